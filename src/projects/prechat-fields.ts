/** The custom fields of a project's pre-chat form: what the widget asks for beside name and email. */
import { z } from 'zod';

/** At most this many custom fields: a form, not a survey. */
export const MAX_PRECHAT_FIELDS = 20;

export interface PrechatField {
  /** The lead attribute the answer is stored under (`lead.attributes[key]`). */
  key: string;
  /** What the visitor sees, and the field's accessible name. */
  label: string;
  /** The widget will not start the chat while a required field is empty. */
  required: boolean;
}

// A safe attribute key: no spaces, no dots, nothing like __proto__ (it must start with a letter).
const fieldKey = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,99}$/, 'must start with a letter and hold only letters, digits, _ and - (at most 100)');

export const prechatField = z.object({
  key: fieldKey,
  label: z.string().trim().min(1, 'must not be empty').max(100),
  required: z.boolean().default(false),
});

/** The whole list, as PATCH /v1/projects/:projectId takes it: it replaces the previous list. */
export const prechatFields = z
  .array(prechatField)
  .max(MAX_PRECHAT_FIELDS)
  .superRefine((fields, ctx) => {
    const seen = new Set<string>();
    fields.forEach((field, index) => {
      if (seen.has(field.key)) ctx.addIssue({ code: 'custom', path: [index, 'key'], message: 'must be unique in the list' });
      seen.add(field.key);
    });
  });

/** What the public GET …/widget-config answers: only what a visitor's form needs. */
export interface WidgetConfig {
  prechatFields: PrechatField[];
}
