/**
 * What a backup file is. PostgreSQL: pg_dump's custom format, as it comes. Embedded: one line of
 * magic, one line of JSON (when, and the generated JWT secret so that tokens keep verifying after
 * a restore), then PGlite's own gzipped tarball of the data folder.
 */
import fs from 'node:fs';

const EMBEDDED_MAGIC = 'PINGSTREAMS-BACKUP 1\n';
/** The first bytes of every pg_dump custom-format archive. */
const PG_DUMP_MAGIC = 'PGDMP';

export interface EmbeddedBackupHeader {
  kind: 'pglite';
  createdAt: string;
  /** DATA_DIR/jwt-secret when there was one (JWT_SECRET from the environment is not in the backup). */
  jwtSecret: string | null;
}

export type BackupKind = 'pglite' | 'pg_dump';

export function encodeEmbeddedBackup(header: EmbeddedBackupHeader, tarball: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(EMBEDDED_MAGIC + JSON.stringify(header) + '\n'), tarball]);
}

export function decodeEmbeddedBackup(bytes: Buffer): { header: EmbeddedBackupHeader; tarball: Buffer } {
  const headerEnd = bytes.indexOf(0x0a, EMBEDDED_MAGIC.length);
  if (!bytes.subarray(0, EMBEDDED_MAGIC.length).equals(Buffer.from(EMBEDDED_MAGIC)) || headerEnd < 0) {
    throw new Error('not an embedded-database backup');
  }
  const header = JSON.parse(bytes.subarray(EMBEDDED_MAGIC.length, headerEnd).toString('utf8')) as EmbeddedBackupHeader;
  return { header, tarball: bytes.subarray(headerEnd + 1) };
}

/** Which kind of backup `file` holds, by its first bytes; null for anything else. */
export function backupKindOf(file: string): BackupKind | null {
  const fd = fs.openSync(file, 'r');
  try {
    const start = Buffer.alloc(EMBEDDED_MAGIC.length);
    const read = fs.readSync(fd, start, 0, start.length, 0);
    const text = start.subarray(0, read).toString('latin1');
    if (text === EMBEDDED_MAGIC) return 'pglite';
    if (text.startsWith(PG_DUMP_MAGIC)) return 'pg_dump';
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
