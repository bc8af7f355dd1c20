// Opens the configured database (real or embedded), checks PostGIS, and migrates it.
import { openPostgres } from './postgres.js';
import { openPglite } from './pglite.js';
import { migrate } from './migrate.js';
import type { Db } from './db.js';

export class DatabaseStartError extends Error {}

export async function openDatabase(opts: { databaseUrl?: string | undefined; readUrls?: string[]; readMaxLagMs?: number; dataDir?: string; poolSize?: number; statementTimeoutMs?: number }): Promise<Db> {
  if (!opts.databaseUrl) {
    let db: Db;
    try {
      db = await openPglite(opts.dataDir ? { dataDir: opts.dataDir } : {});
      await db.sql('SELECT 1');
    } catch (err) {
      throw new DatabaseStartError(`The embedded database in ${opts.dataDir} could not be opened (${(err as Error).message}). ` +
        'If the directory is damaged, move it aside (or delete it) and start again: the demo city is loaded anew.');
    }
    await migrate(db);
    return db;
  }
  const safeUrl = opts.databaseUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  const db = await openPostgres({
    connectionString: opts.databaseUrl,
    ...(opts.poolSize ? { poolSize: opts.poolSize } : {}),
    ...(opts.statementTimeoutMs ? { statementTimeoutMs: opts.statementTimeoutMs } : {}),
    ...(opts.readUrls?.length ? { readUrls: opts.readUrls } : {}),
    ...(opts.readMaxLagMs ? { readMaxLagMs: opts.readMaxLagMs } : {}),
  });
  try {
    const [postgis] = await db.sql<{ default_version: string | null }>(
      "SELECT max(default_version) AS default_version FROM pg_available_extensions WHERE name = 'postgis'");
    if (!postgis?.default_version) {
      throw new DatabaseStartError(`The database at ${safeUrl} has no PostGIS. Install it on the server ` +
        '(Debian: apt-get install postgresql-15-postgis-3) and start Misto again.');
    }
  } catch (err) {
    await db.close().catch(() => {});
    if (err instanceof DatabaseStartError) throw err;
    throw new DatabaseStartError(`Cannot reach the database at ${safeUrl}: ${(err as Error).message}. ` +
      'Check DATABASE_URL (host, port, user, password, database name) and that PostgreSQL is running.');
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => {});
    const message = (err as Error).message;
    if (/permission denied to create extension "postgis"/.test(message)) {
      throw new DatabaseStartError(`PostGIS is installed on the server but not enabled in the database at ${safeUrl}, and this user ` +
        'may not enable it. As a superuser, run CREATE EXTENSION postgis; CREATE EXTENSION pg_trgm; in that database, then start Misto again.');
    }
    throw new DatabaseStartError(`Could not migrate the database at ${safeUrl}: ${message}`);
  }
  return db;
}
