// Applies sql/migrations/NNNN_*.sql in order, each in its own transaction, once.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sqlDir } from './queries.js';
import type { Db } from './db.js';

const migrationsDir = path.join(sqlDir, 'migrations');
// Several server processes may start at once: they take turns on this lock.
const MIGRATION_LOCK = 7_305_271;

export function migrationFiles(): { version: string; file: string }[] {
  return readdirSync(migrationsDir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({ version: file.slice(0, 4), file }));
}

/** Applies what is missing; returns the files it applied (none on a second run). */
export async function migrate(db: Db): Promise<string[]> {
  await db.transaction(async (tx) => {
    await tx.sql('SELECT pg_advisory_xact_lock($lock)', { lock: MIGRATION_LOCK });
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    text PRIMARY KEY,
      file       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const applied: string[] = [];
  for (const { version, file } of migrationFiles()) {
    const done = await db.transaction(async (tx) => {
      await tx.sql('SELECT pg_advisory_xact_lock($lock)', { lock: MIGRATION_LOCK });
      if ((await tx.sql('SELECT 1 FROM schema_migrations WHERE version = $version', { version })).length > 0) return false;
      try {
        await tx.exec(readFileSync(path.join(migrationsDir, file), 'utf8'));
      } catch (err) {
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
      await tx.sql('INSERT INTO schema_migrations (version, file) VALUES ($version, $file)', { version, file });
      return true;
    });
    if (done) applied.push(file);
  }
  return applied;
}
