/** The contact form's text values and the REST body made from them. */
import type { Lead } from './types.js';

export interface ContactFormValues {
  fullname: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  externalId: string;
  /** Comma-separated. */
  tags: string;
  /** A JSON object. */
  attributes: string;
}

export function formOf(lead: Lead | null): ContactFormValues {
  return {
    fullname: lead?.fullname ?? '',
    firstName: lead?.firstName ?? '',
    lastName: lead?.lastName ?? '',
    email: lead?.email ?? '',
    phone: lead?.phone ?? '',
    externalId: lead?.externalId ?? '',
    tags: lead?.tags.join(', ') ?? '',
    attributes: lead && Object.keys(lead.attributes).length > 0 ? JSON.stringify(lead.attributes, null, 2) : '',
  };
}

/** An empty field clears it (null); a new contact leaves empty fields out. */
export function leadBody(values: ContactFormValues, creating: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key of ['fullname', 'firstName', 'lastName', 'email', 'phone', 'externalId'] as const) {
    const value = values[key].trim();
    if (value || !creating) body[key] = value || null;
  }
  body.tags = values.tags.split(',').map((t) => t.trim()).filter(Boolean);
  return body;
}

/** The attributes to send: every key of the edited object, and null for each key the agent removed (PATCH removes those). */
export function attributeChanges(before: Record<string, unknown>, text: string): Record<string, unknown> {
  const after: unknown = text.trim() ? JSON.parse(text) : {};
  if (typeof after !== 'object' || after === null || Array.isArray(after)) throw new Error('not an object');
  const changes: Record<string, unknown> = { ...(after as Record<string, unknown>) };
  for (const key of Object.keys(before)) if (!(key in changes)) changes[key] = null;
  return changes;
}
