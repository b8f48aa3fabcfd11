/**
 * The import decided in memory before anything is written: each row matched to a lead (or a
 * new one), checked like an agent's edit, and applied to a model of the leads in file order,
 * so that a later row sees what an earlier one did (the second row with an externalId updates
 * the lead the first one created). Nothing here touches the database.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AppError } from '../errors.js';
import { attributesOverLimits, parseInput } from '../validation.js';
import { agentLeadFields, toLeadChanges } from './lead-input.js';
import type { ImportRow } from './lead-import-rows.js';
import { LEAD_TEXT_FIELDS, type LeadChanges, type LeadTextField } from './lead.store.js';

/** What an import can change on a lead. */
export interface LeadState extends Record<LeadTextField, string | null> {
  attributes: Record<string, unknown>;
  tags: string[];
}

export interface Draft {
  id: string;
  verified: boolean;
  /** As loaded; null for a lead this import creates. */
  original: LeadState | null;
  state: LeadState;
}

export interface RowReport {
  row: number;
  status: 'created' | 'updated' | 'failed';
  leadId?: string;
  error?: string;
}

export interface ImportPlan {
  rows: RowReport[];
  /** New leads, in the order the file created them. */
  creates: Draft[];
  /** Existing leads whose state differs from what was loaded. */
  updates: Draft[];
}

/** JSON with sorted keys: equal for equal values whatever the key order (jsonb does not keep it). */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object).sort().map((k) => `${JSON.stringify(k)}:${canonical(object[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

class RowError extends Error {}

const emailKey = (email: string | null | undefined) => email?.trim().toLowerCase() || undefined;

/** The agent's field rules (agentLeadFields), reported as one line for the row. */
function validated(input: Record<string, unknown>): LeadChanges {
  try {
    return toLeadChanges(parseInput(agentLeadFields, input));
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const details = (err.details ?? []) as { path: string; message: string }[];
    throw new RowError(details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ') || err.message);
  }
}

/** The attribute changes of a row: the JSON column, then the other columns over it. */
function attributesOf(row: ImportRow): Map<string, unknown> {
  const changes = new Map<string, unknown>();
  if (row.cells.attributes !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(row.cells.attributes);
    } catch {
      throw new RowError('attributes: must be a JSON object');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new RowError('attributes: must be a JSON object');
    for (const [key, value] of Object.entries(parsed)) changes.set(key, value);
  }
  for (const [key, value] of Object.entries(row.extra)) changes.set(key, value);
  return changes;
}

/** An email matches in any case (it is what found the lead), and then its case is no change either. */
function sameText(field: LeadTextField, cell: string, current: string | null | undefined): boolean {
  if (current === undefined || current === null) return false;
  return field === 'email' ? emailKey(cell) === emailKey(current) : cell === current;
}

/**
 * What the row asks of the lead, in the agent's input shape. On an update, a cell holding what
 * the lead holds already is no change and is not checked again: a lead whose values predate
 * today's rules (or whose attributes grew past one request's limit through merges) still
 * round-trips through its own export untouched.
 */
function inputOf(row: ImportRow, current: LeadState | null): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of LEAD_TEXT_FIELDS) {
    const cell = row.cells[field];
    if (cell !== undefined && !sameText(field, cell, current?.[field])) input[field] = cell;
  }
  if (row.cells.tags !== undefined) input.tags = row.cells.tags.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const attributes = [...attributesOf(row)].filter(([key, value]) => !(current && Object.hasOwn(current.attributes, key) && canonical(current.attributes[key]) === canonical(value)));
  if (attributes.length > 0) input.attributes = Object.fromEntries(attributes);
  return input;
}

function applied(state: LeadState, changes: LeadChanges): LeadState {
  const next: LeadState = { ...state, attributes: { ...state.attributes, ...changes.attributes } };
  for (const field of LEAD_TEXT_FIELDS) if (changes[field] !== undefined) next[field] = changes[field];
  if (changes.tags !== undefined) next.tags = changes.tags;
  for (const key of changes.removeAttributes ?? []) delete next.attributes[key];
  assertAttributesFit(state.attributes, next.attributes);
  return next;
}

/** As updateLead: a lead's attributes may not grow past ATTRIBUTES_LIMITS in total (one already past may shrink). */
function assertAttributesFit(before: Record<string, unknown>, after: Record<string, unknown>): void {
  const tooBig = attributesOverLimits(after);
  if (!tooBig) return;
  const grows = Object.keys(after).length > Object.keys(before).length || JSON.stringify(after).length > JSON.stringify(before).length;
  if (grows) throw new RowError(`attributes: the lead's attributes ${tooBig} in total`);
}

const EMPTY: LeadState = { fullname: null, firstName: null, lastName: null, email: null, phone: null, externalId: null, attributes: {}, tags: [] };

/** Rows checked between two turns of the event loop (checking ~100k rows takes seconds). */
const ROWS_PER_TURN = 1000;

/** Plans the import of `rows` against `loaded`: every lead of the project that a row's id, externalId or email can name. */
export async function planImport(loaded: Draft[], rows: ImportRow[], newId: () => string): Promise<ImportPlan> {
  const byId = new Map(loaded.map((d) => [d.id, d]));
  const byExternalId = new Map<string, Draft>();
  const byEmail = new Map<string, Set<Draft>>();
  const index = (draft: Draft, present: boolean) => {
    const { externalId, email } = draft.state;
    if (externalId !== null) present ? byExternalId.set(externalId, draft) : byExternalId.delete(externalId);
    const key = emailKey(email);
    if (key === undefined) return;
    const set = byEmail.get(key) ?? new Set<Draft>();
    present ? set.add(draft) : set.delete(draft);
    byEmail.set(key, set);
  };
  loaded.forEach((d) => index(d, true));

  /** id first, then externalId (a miss creates), then an email that names exactly one lead. */
  const matchOf = (row: ImportRow): Draft | null => {
    const byRowId = row.id === null ? undefined : byId.get(row.id);
    if (byRowId) return byRowId;
    const externalId = row.cells.externalId?.trim();
    if (externalId) return byExternalId.get(externalId) ?? null;
    const sameEmail = byEmail.get(emailKey(row.cells.email) ?? '');
    return sameEmail?.size === 1 ? [...sameEmail][0]! : null;
  };

  const plan: ImportPlan = { rows: [], creates: [], updates: [] };
  for (const [i, row] of rows.entries()) {
    if (i > 0 && i % ROWS_PER_TURN === 0) await nextTurn();
    try {
      if (row.problem) throw new RowError(row.problem);
      const draft = matchOf(row);
      const changes = validated(inputOf(row, draft?.state ?? null));
      if (draft) {
        const externalId = changes.externalId;
        if (externalId !== undefined && externalId !== draft.state.externalId) {
          if (draft.verified) throw new RowError('externalId: a verified lead keeps the externalId of its signed identity');
          const holder = externalId === null ? undefined : byExternalId.get(externalId);
          if (holder) throw new RowError(`externalId: already used by lead ${holder.id}`);
        }
        const next = applied(draft.state, changes);
        index(draft, false);
        draft.state = next;
        index(draft, true);
        plan.rows.push({ row: row.row, status: 'updated', leadId: draft.id });
      } else {
        const created: Draft = { id: newId(), verified: false, original: null, state: applied(EMPTY, changes) };
        byId.set(created.id, created);
        index(created, true);
        plan.creates.push(created);
        plan.rows.push({ row: row.row, status: 'created', leadId: created.id });
      }
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      plan.rows.push({ row: row.row, status: 'failed', error: err.message });
    }
  }
  plan.updates = loaded.filter((d) => canonical(d.original) !== canonical(d.state));
  return plan;
}
