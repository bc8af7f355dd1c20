// Read replicas (hot standbys): which one a read goes to, or the primary. A replica is in rotation
// while it answers and is at most maxLagMs behind; a read it fails is run again on the primary.
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import type { Row, RunPositional } from './db.js';

export interface ReplicaOptions {
  urls: string[];
  /** Past this lag a replica leaves the rotation, and returns once it is back within it. */
  maxLagMs: number;
  /** How often lag is measured. */
  checkEveryMs?: number;
  poolSize: number;
  statementTimeoutMs: number;
}

export const DEFAULT_READ_MAX_LAG_MS = 2_000;
export const DEFAULT_LAG_CHECK_MS = 250;

export interface ReplicaStats {
  /** host:port of the replica (no credentials). */
  host: string;
  inRotation: boolean;
  /** How long the replica has been behind a position the primary had reached (0: caught up). */
  lagMs: number;
  /** Age of the last transaction replayed (pg_last_xact_replay_timestamp); large on an idle primary too. */
  replayAgeMs: number | null;
  reads: number;
  /** Reads it failed that the primary answered instead. */
  fallbacks: number;
  lastError: string | undefined;
}

const primaryOnly = new AsyncLocalStorage<true>();

/** Runs fn with every db.reader() read inside it sent to the primary (read-your-writes). */
export function withPrimaryReads<T>(fn: () => T): T {
  return primaryOnly.run(true, fn);
}

/** A WAL position 'X/Y' as one number, to compare. */
export function lsn(text: string): bigint {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

interface Replica {
  host: string;
  pool: pg.Pool;
  inRotation: boolean;
  /** Reachable at the last check. */
  up: boolean;
  replayed: bigint;
  replayAgeMs: number | null;
  /** Primary positions seen and when, that this replica had not replayed yet (oldest first). */
  behind: { at: bigint; since: number }[];
  refreshing: Promise<void> | undefined;
  reads: number;
  fallbacks: number;
  lastError: string | undefined;
}

export interface ReadRouter {
  /** The runner for reads: a replica in rotation that has replayed every change announced so far, else the primary. */
  run: RunPositional;
  /**
   * A NOTIFY arrived: the change it announces is committed on the primary. Until a replica is
   * known to have replayed up to it, reads go to the primary — so a tile dropped for that change
   * is not drawn again from a replica without it.
   */
  fence(): void;
  stats(): ReplicaStats[];
  close(): Promise<void>;
}

export function createReadRouter(primaryRun: RunPositional, opts: ReplicaOptions): ReadRouter {
  const replicas: Replica[] = opts.urls.map((url) => {
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize,
      connectionTimeoutMillis: 2_000,
      statement_timeout: opts.statementTimeoutMs,
      application_name: 'misto-read',
      keepAlive: true,
    });
    pool.on('error', () => {});
    const u = new URL(url);
    return { host: `${u.hostname}:${u.port || 5432}`, pool, inRotation: false, up: false, replayed: 0n, replayAgeMs: null, behind: [], refreshing: undefined, reads: 0, fallbacks: 0, lastError: undefined };
  });
  let required = 0n;
  let fencePending = false;
  let fenceRunning = false;
  let fenceAgain = false;
  let closed = false;

  // The insert position, not pg_current_wal_lsn(): with synchronous_commit off a commit record may
  // still sit in the WAL buffers, behind the write position, when its NOTIFY is delivered.
  const primaryLsn = async () => lsn(String((await primaryRun('SELECT pg_current_wal_insert_lsn()::text AS lsn', []))[0]!.lsn));

  async function runFence() {
    fenceRunning = true;
    try {
      do {
        fenceAgain = false;
        const at = await primaryLsn();
        if (at > required) required = at;
      } while (fenceAgain);
      fencePending = false;
    } catch {
      // The primary is away: reads go to it (and fail) until the next check fences again.
    } finally {
      fenceRunning = false;
    }
  }

  function fence() {
    if (replicas.length === 0) return;
    fencePending = true;
    if (fenceRunning) fenceAgain = true;
    else void runFence();
  }

  /** Asks the replica how far it has replayed, once at a time. */
  function refresh(r: Replica): Promise<void> {
    r.refreshing ??= (async () => {
      try {
        const [row] = (await r.pool.query(
          'SELECT pg_last_wal_replay_lsn()::text AS replayed, (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS age_ms')).rows as Row[];
        r.replayed = row?.replayed ? lsn(String(row.replayed)) : 0n;
        r.replayAgeMs = row?.age_ms === null || row?.age_ms === undefined ? null : Math.max(0, Number(row.age_ms));
        r.up = true;
      } catch (err) {
        r.up = false;
        r.lastError = (err as Error).message;
      } finally {
        r.refreshing = undefined;
      }
    })();
    return r.refreshing;
  }

  const lagOf = (r: Replica, now: number) => {
    r.behind = r.behind.filter((b) => b.at > r.replayed);
    return r.behind.length === 0 ? 0 : now - r.behind[0]!.since;
  };

  // The lag is how long the replica has owed a position the primary had reached: unlike the age
  // of the last replayed transaction, it stays 0 while the primary is idle.
  async function check() {
    let at: bigint | undefined;
    try {
      at = await primaryLsn();
    } catch {
      // Without the primary, the replicas' positions still tell whether they answer.
    }
    if (fencePending && !fenceRunning) void runFence();
    const now = Date.now();
    await Promise.all(replicas.map(async (r) => {
      if (at !== undefined && at > r.replayed && (r.behind.at(-1)?.at ?? 0n) < at) {
        r.behind.push({ at, since: now });
        // The oldest position owed sets the lag; those between only need to stay few.
        if (r.behind.length > 64) r.behind.splice(1, 1);
      }
      await refresh(r);
      r.inRotation = r.up && lagOf(r, Date.now()) <= opts.maxLagMs;
    }));
  }

  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    void check().finally(() => {
      if (!closed) timer = setTimeout(tick, opts.checkEveryMs ?? DEFAULT_LAG_CHECK_MS).unref();
    });
  };
  tick();

  let next = 0;
  async function pick(): Promise<Replica | undefined> {
    if (fencePending || primaryOnly.getStore()) return undefined;
    for (let i = 0; i < replicas.length; i++) {
      const r = replicas[(next + i) % replicas.length]!;
      if (!r.inRotation) continue;
      if (r.replayed < required) await refresh(r);
      if (r.up && r.replayed >= required && !fencePending) {
        next = (next + i + 1) % replicas.length;
        return r;
      }
    }
    return undefined;
  }

  return {
    async run(text, values, preparedName) {
      const r = await pick();
      if (!r) return primaryRun(text, values, preparedName);
      r.reads++;
      try {
        return (await r.pool.query({ text, values, name: preparedName })).rows as Row[];
      } catch (err) {
        // Whatever the replica's trouble (gone, a recovery conflict, a statement it may not run),
        // the primary answers; a replica that cannot be reached leaves the rotation at once.
        r.fallbacks++;
        r.lastError = (err as Error).message;
        if (!(err instanceof pg.DatabaseError)) {
          r.up = false;
          r.inRotation = false;
        }
        return primaryRun(text, values, preparedName);
      }
    },
    fence,
    stats: () => replicas.map((r) => ({
      host: r.host, inRotation: r.inRotation, lagMs: lagOf(r, Date.now()), replayAgeMs: r.replayAgeMs,
      reads: r.reads, fallbacks: r.fallbacks, lastError: r.lastError,
    })),
    async close() {
      closed = true;
      clearTimeout(timer);
      await Promise.all(replicas.map((r) => r.pool.end().catch(() => {})));
    },
  };
}
