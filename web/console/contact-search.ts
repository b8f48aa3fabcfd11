/** Contact search: the text becomes `?email=` when it looks like an address, else `?q=`; the same filters drive the CSV export. */
import type { Api } from './api.js';

export interface ContactFilters {
  text: string;
  tag: string;
  verified: '' | 'true' | 'false';
}

export const noFilters = (): ContactFilters => ({ text: '', tag: '', verified: '' });

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function filterQuery(filters: ContactFilters): URLSearchParams {
  const params = new URLSearchParams();
  const text = filters.text.trim();
  if (text) params.set(EMAIL.test(text) ? 'email' : 'q', text);
  if (filters.tag.trim()) params.set('tag', filters.tag.trim());
  if (filters.verified) params.set('verified', filters.verified);
  return params;
}

/** The search survives a visit to a contact and back (for this page load). */
let remembered: ContactFilters = noFilters();
export const rememberedFilters = () => remembered;
export const rememberFilters = (filters: ContactFilters) => void (remembered = filters);

/** Downloads GET …/leads/export with these filters: fetched with the bearer token, saved from a Blob. */
export async function exportCsv(api: Api, base: string, filters: ContactFilters): Promise<void> {
  const query = filterQuery(filters).toString();
  const blob = await api.blob(`${base}/leads/export${query ? `?${query}` : ''}`);
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = 'leads.csv';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
