/** What agents may send about a lead: the fields, tags and attribute changes, and the list filters. */
import { z } from 'zod';
import { attributes, email } from '../validation.js';
import type { LeadChanges } from './lead.store.js';

export const MAX_TAGS = 20;

/** A tag: 1–50 characters, stored lower-case; no comma (the CSV export joins tags with ", "). */
export const tag = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(50, 'must be at most 50 characters')
  .refine((s) => !s.includes(','), 'must not contain a comma')
  .transform((s) => s.toLowerCase());

/** At most 20 tags, lower-cased and de-duplicated (first occurrence kept). */
export const tags = z
  .array(tag)
  .transform((list) => [...new Set(list)])
  .refine((list) => list.length <= MAX_TAGS, `must be at most ${MAX_TAGS} tags`);

/** A text field an agent sets: trimmed; an empty string or null clears it. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullable()
    .optional()
    .transform((s) => (s === '' ? null : s));

/** An email, or '' / null to clear it. */
const optionalEmail = z
  .string()
  .trim()
  .max(320)
  .refine((s) => s === '' || email.safeParse(s).success, 'must be an email address')
  .nullable()
  .optional()
  .transform((s) => (s === '' ? null : s));

/** The identifier of the lead in the customer's own systems: 1–200 characters. */
export const externalId = z.string().trim().min(1, 'must not be empty').max(200);

/** Every Lead field an agent may set. `attributes` merge key by key; a key set to null is removed. */
export const agentLeadFields = z.object({
  fullname: text(200),
  firstName: text(200),
  lastName: text(200),
  email: optionalEmail,
  phone: text(50),
  externalId: externalId.nullable().optional(),
  attributes: attributes.optional(),
  tags: tags.optional(),
});

export type AgentLeadFields = z.output<typeof agentLeadFields>;

/** The store's change set for what an agent sent: null attributes become removals. */
export function toLeadChanges(fields: AgentLeadFields): LeadChanges {
  const { attributes: attrs, ...rest } = fields;
  const changes: LeadChanges = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (changes as Record<string, unknown>)[key] = value;
  }
  if (attrs !== undefined) {
    const entries = Object.entries(attrs);
    changes.attributes = Object.fromEntries(entries.filter(([, v]) => v !== null));
    changes.removeAttributes = entries.filter(([, v]) => v === null).map(([k]) => k);
  }
  return changes;
}

/** The list's filters (also the export's). */
export const leadFilters = z.object({
  email: z.string().trim().max(320).optional().describe('exact, case-insensitive'),
  q: z.string().max(200).optional().describe('substring of name, email or phone, case-insensitive'),
  tag: z.string().trim().max(50).optional().describe('exact tag (case-insensitive)'),
  verified: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
});

export const leadListQuery = leadFilters.extend({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional(),
});
