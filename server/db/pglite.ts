// The embedded backend: PostgreSQL + PostGIS compiled to WebAssembly (PGlite), persisted in a
// data directory. One connection; PGlite queues queries and holds the queue for a transaction.
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { queryable, type Db, type Row } from './db.js';

export interface PgliteOptions {
  /** A directory to persist into; undefined keeps the database in memory. */
  dataDir?: string;
  /** A tarball made by dumpDataDir (a migrated template), to start from instead of empty. */
  loadDataDir?: Blob;
}

export async function openPglite(opts: PgliteOptions = {}): Promise<Db & { dump(): Promise<Blob> }> {
  const pg = await PGlite.create({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    extensions: { postgis, pg_trgm },
  });
  const runOn = (target: PGlite | Transaction) => async (text: string, values: unknown[]) =>
    (await target.query<Row>(text, values)).rows;

  const main = queryable(runOn(pg), async (script) => { await pg.exec(script); });
  return {
    backend: 'pglite',
    ...main,
    // One embedded database: it has no replicas.
    reader: () => main,
    transaction: (fn) => pg.transaction((tx) => fn(queryable(runOn(tx), async (script) => { await tx.exec(script); }))),
    async listen(channel, onMessage) {
      const unsubscribe = await pg.listen(channel, onMessage);
      return async () => unsubscribe();
    },
    close: () => pg.close(),
    dump: () => pg.dumpDataDir('none') as Promise<Blob>,
  };
}
