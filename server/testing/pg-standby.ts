// A throwaway primary and a streaming hot standby of it (pg_basebackup -R) on loopback ports, for
// the read-replica tests: replay can be paused and resumed, the standby stopped and started.
import pg from 'pg';
import { startPgCluster, destroyPgCluster, type PgCluster } from './pg-cluster.js';
import { TEMPLATE_DB } from './db.js';
import { openPostgres } from '../db/postgres.js';
import { migrate } from '../db/migrate.js';

export interface PgPair {
  primary: PgCluster;
  standby: PgCluster;
  /** The migrated database, on the primary and on the standby. */
  primaryUrl: string;
  standbyUrl: string;
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Resolves once the standby has replayed everything the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

// Small buffers: two clusters run beside the test runner's own on a shared machine.
const SETTINGS = { shared_buffers: '32MB', max_connections: '100', hot_standby_feedback: 'on' };

async function onStandby<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Starts a primary with a migrated database "misto" and a hot standby streaming from it. */
export async function startPgPair(): Promise<PgPair> {
  const primary = await startPgCluster({ settings: SETTINGS });
  let standby: PgCluster | undefined;
  try {
    await onStandby(primary.url, `CREATE DATABASE ${TEMPLATE_DB}`);
    const db = await openPostgres({ connectionString: primary.urlFor(TEMPLATE_DB), poolSize: 2 });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    standby = await startPgCluster({ settings: SETTINGS, standbyOf: primary });
  } catch (err) {
    await destroyPgCluster(primary).catch(() => {});
    throw err;
  }
  const stby = standby;
  const standbyUrl = stby.urlFor(TEMPLATE_DB);
  return {
    primary,
    standby: stby,
    primaryUrl: primary.urlFor(TEMPLATE_DB),
    standbyUrl,
    pauseReplay: async () => { await onStandby(standbyUrl, 'SELECT pg_wal_replay_pause()'); },
    resumeReplay: async () => { await onStandby(standbyUrl, 'SELECT pg_wal_replay_resume()'); },
    async caughtUp(timeoutMs = 20_000) {
      const [target] = await onStandby<{ lsn: string }>(primary.url, 'SELECT pg_current_wal_insert_lsn()::text AS lsn');
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [row] = await onStandby<{ ok: boolean }>(standbyUrl, `SELECT pg_last_wal_replay_lsn() >= '${target!.lsn}'::pg_lsn AS ok`);
        if (row?.ok) return;
        if (Date.now() > deadline) throw new Error(`the standby did not replay up to ${target!.lsn} in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async destroy() {
      await destroyPgCluster(stby).catch(() => {});
      await destroyPgCluster(primary);
    },
  };
}
