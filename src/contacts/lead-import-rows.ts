/** An import file's header and records, read into rows of lead fields: which column is what, which cells say something. */
import { validate as isUuid } from 'uuid';
import { AppError } from '../errors.js';
import { restore } from './lead-csv.js';

/** The columns an import writes from. `attributes` is a JSON object, merged into the lead's. */
export const IMPORT_FIELDS = ['fullname', 'firstName', 'lastName', 'email', 'phone', 'externalId', 'tags', 'attributes'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** Columns of the export that an import reads past: the server owns them. */
const READ_ONLY = ['verified', 'visitorIds', 'lastSeenAt', 'createdAt', 'updatedAt'] as const;

/** The longest attribute key a lead may have (validation.ts `attributes`). */
const MAX_ATTRIBUTE_KEY = 100;

type Column = { kind: 'id' } | { kind: 'field'; field: ImportField } | { kind: 'ignored' } | { kind: 'attribute'; key: string };

export interface ImportRow {
  /** The row as a spreadsheet numbers it: the header is row 1, the first lead row 2. */
  row: number;
  /** The `id` cell when it is a UUID (it may name a lead of this project); otherwise null. */
  id: string | null;
  /** Non-empty cells of the known columns, formula neutralisation undone. */
  cells: Partial<Record<ImportField, string>>;
  /** Non-empty cells of the other columns, by header: attributes with string values. */
  extra: Record<string, string>;
  /** Set when the record cannot be read as a row of this file (wrong number of cells). */
  problem?: string;
}

const KNOWN = new Map<string, Column>([
  ['id', { kind: 'id' }],
  ...IMPORT_FIELDS.map((field) => [field.toLowerCase(), { kind: 'field', field }] as [string, Column]),
  ...READ_ONLY.map((name) => [name.toLowerCase(), { kind: 'ignored' }] as [string, Column]),
]);

const headerError = (message: string) => new AppError('VALIDATION_FAILED', 'The CSV header cannot be used.', [{ path: 'header', message }]);

/**
 * What each header cell names. Known names match case-insensitively; every other name is an
 * attribute key. A header with no known name is most likely a file without a header row (its
 * first lead taken for one): refused, like unnamed or repeated columns, before anything is read.
 */
export function columnsOf(header: string[]): Column[] {
  const seen = new Set<string>();
  const columns = header.map((cell, index): Column => {
    const name = restore(cell).trim();
    if (name === '') throw headerError(`column ${index + 1} has no name`);
    const column = KNOWN.get(name.toLowerCase()) ?? { kind: 'attribute', key: name };
    const identity = column.kind === 'attribute' ? `attribute:${name}` : name.toLowerCase();
    if (seen.has(identity)) throw headerError(`column "${name}" appears twice`);
    seen.add(identity);
    if (column.kind === 'attribute' && (name.length > MAX_ATTRIBUTE_KEY || name.includes('\u0000'))) {
      throw headerError(`column "${name.slice(0, 40)}…" cannot be an attribute name (at most ${MAX_ATTRIBUTE_KEY} characters, no NUL)`);
    }
    return column;
  });
  if (!columns.some((c) => c.kind !== 'attribute')) {
    throw headerError(`the header row names none of the known columns (id, ${IMPORT_FIELDS.join(', ')}, ${READ_ONLY.join(', ')})`);
  }
  return columns;
}

/** A cell that is empty or only blanks says nothing: no change on an update, null on a create. */
const says = (cell: string) => cell.trim() !== '';

/**
 * The records after the header as rows. Records that say nothing at all (blank lines, rows of
 * empty cells as spreadsheets append) are left out of the import and of its report.
 */
export function rowsOf(records: string[][], columns: Column[]): ImportRow[] {
  const rows: ImportRow[] = [];
  records.forEach((record, index) => {
    if (!record.some(says)) return;
    const row: ImportRow = { row: index + 2, id: null, cells: {}, extra: {} };
    rows.push(row);
    if (record.length !== columns.length) {
      row.problem = `has ${record.length} cells; the header has ${columns.length}`;
      return;
    }
    record.forEach((raw, i) => {
      const column = columns[i]!;
      if (!says(raw) || column.kind === 'ignored') return;
      const cell = restore(raw);
      if (column.kind === 'id') row.id = isUuid(cell.trim()) ? cell.trim().toLowerCase() : null;
      else if (column.kind === 'field') row.cells[column.field] = cell;
      // defineProperty, not `extra[key] =`: a column named __proto__ must be a key, not a prototype.
      else Object.defineProperty(row.extra, column.key, { value: cell, enumerable: true, writable: true, configurable: true });
    });
  });
  return rows;
}
