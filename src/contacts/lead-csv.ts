/** The CSV format of leads: RFC 4180 lines, cells defused against formula injection, and parsing. */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parse, CsvError } from 'csv-parse';
import { AppError } from '../errors.js';

/**
 * A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
 * Such a cell is written with a leading `'`. So that the round trip stays lossless, a text that
 * already is quotes followed by one of them gets one more quote, and the import strips one.
 */
const FORMULA_LIKE = /^'*[=+\-@\t\r]/;
const NEUTRALISED = /^'+[=+\-@\t\r]/;

export function neutralise(text: string): string {
  return FORMULA_LIKE.test(text) ? `'${text}` : text;
}

/** The text a neutralised cell stood for: exactly one leading quote goes. */
export function restore(cell: string): string {
  return NEUTRALISED.test(cell) ? cell.slice(1) : cell;
}

/** One RFC 4180 cell: quoted when it holds a quote, a comma, CR or LF; quotes doubled. Null is empty. */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const text = neutralise(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated as RFC 4180 says. */
export function csvLine(values: readonly (string | null)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** How much of the body the parser takes before the event loop gets a turn. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Every record of `text`, cells as written (no trimming, no restore). Strict RFC 4180 quoting
 * (an unclosed quote or a stray quote in a bare cell is VALIDATION_FAILED naming the line), a
 * UTF-8 BOM is dropped, records may differ in length (the caller reports such a row). Empty
 * lines stay as `['']` so that record numbers match the rows a spreadsheet shows. The body is
 * fed in chunks with a turn of the event loop between them: a 10 MB file must not stall the
 * sockets of every other client for the whole parse.
 */
export async function parseCsv(text: string): Promise<string[][]> {
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: false });
  const records: string[][] = [];
  parser.on('readable', () => {
    for (let record: string[] | null; (record = parser.read() as string[] | null) !== null; ) records.push(record);
  });
  const finished = new Promise<void>((resolve, reject) => {
    parser.once('end', resolve);
    parser.once('error', reject);
  });
  finished.catch(() => undefined); // awaited below; a parse error must not surface as unhandled first

  const bytes = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < bytes.length && !parser.destroyed; offset += CHUNK_BYTES) {
    parser.write(bytes.subarray(offset, offset + CHUNK_BYTES));
    await nextTurn();
  }
  if (!parser.destroyed) parser.end();
  try {
    await finished;
  } catch (err) {
    if (err instanceof CsvError) throw new AppError('VALIDATION_FAILED', 'The body is not valid CSV.', [{ path: 'body', message: err.message }]);
    throw err;
  }
  return records;
}
