/**
 * Reads `migrations/` as .ts (under tsx) or .js (built) and names each migration without its
 * extension, so a database migrated by the tests and one migrated by the built server agree.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

const MIGRATION_FILE = /^(\d{14}_[\w-]+)\.(ts|js)$/;

/** `migrations/` beside `src/`, both in the source tree and in `dist/`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

interface MigrationFile {
  name: string;
  file: string;
}

export class FolderMigrationSource implements Knex.MigrationSource<MigrationFile> {
  constructor(private readonly dir = MIGRATIONS_DIR) {}

  async getMigrations(): Promise<MigrationFile[]> {
    const entries = await fs.readdir(this.dir);
    return entries
      .map((file) => MIGRATION_FILE.exec(file))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1]!, file: path.join(this.dir, m[0]) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  getMigrationName(migration: MigrationFile): string {
    return migration.name;
  }

  async getMigration(migration: MigrationFile): Promise<Knex.Migration> {
    return (await import(pathToFileURL(migration.file).href)) as Knex.Migration;
  }
}
