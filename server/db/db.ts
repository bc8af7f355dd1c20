// The one database interface all of Misto uses, whichever backend sits behind it.
import { createHash } from 'node:crypto';
import { loadQuery } from './queries.js';
import { toPositional } from './named.js';
import type { ReplicaStats } from './replicas.js';

export type Row = Record<string, unknown>;
export type Params = Record<string, unknown>;

/** Runs named queries: `name` is a file under sql/ without its extension, e.g. 'tickets/insert'. */
export interface Queryable {
  query<T = Row>(name: string, params?: Params): Promise<T[]>;
  /** Ad-hoc SQL with $name parameters, for scripts and tests; features use named queries. */
  sql<T = Row>(text: string, params?: Params): Promise<T[]>;
  /** A script of several statements without parameters (migrations, fixtures). */
  exec(script: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly backend: 'postgres' | 'pglite';
  /** Runs fn in one transaction: committed if fn resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Where read-only work goes: a read replica in rotation (DATABASE_READ_URLS) or, without one, the
   * primary. For reads that may be a moment behind (tiles, public lists, address cards); never for
   * a read that must see the caller's own write (see withPrimaryReads in server/db/replicas.ts).
   */
  reader(): Queryable;
  /** The read replicas and whether each is in rotation (a real server with DATABASE_READ_URLS only). */
  replicaStats?(): ReplicaStats[];
  /** Calls onMessage for every NOTIFY on channel; resolves to a function that stops it. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** How busy the connection pool is (a real server only: the embedded database has one queue of its own). */
  poolStats?(): PoolStats;
  close(): Promise<void>;
}

export interface PoolStats {
  /** Connections open, idle among them, and the most the pool opens. */
  total: number;
  idle: number;
  max: number;
  /** Queries and transactions waiting for a connection. */
  waiting: number;
  /** How long the one waiting longest has waited so far (0: nobody waits). */
  oldestWaitMs: number;
}

/**
 * The driver-level operation each backend supplies: positional SQL in, rows out. A named query
 * comes with the name its text is prepared under: the real server parses and plans it once per
 * connection instead of on every call; PGlite ignores it.
 */
export type RunPositional = (text: string, values: unknown[], preparedName?: string) => Promise<Row[]>;

const preparedNames = new Map<string, string>();

/**
 * The name a named query's text is prepared under: from the text itself, so that a name never
 * stands for two texts on one connection (PostgreSQL keeps 63 bytes of a name).
 */
function preparedName(text: string): string {
  let name = preparedNames.get(text);
  if (!name) {
    name = `misto_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return name;
}

/** Builds the named-query side of Queryable over a backend's positional runner. */
export function queryable(run: RunPositional, exec: (script: string) => Promise<void>): Queryable {
  return {
    exec,
    async query<T>(name: string, params: Params = {}) {
      const { text, values } = toPositional(loadQuery(name), params, name);
      // Without parameters a file may hold several statements, which only the simple protocol runs.
      return (await run(text, values, values.length > 0 ? preparedName(text) : undefined)) as T[];
    },
    async sql<T>(text: string, params: Params = {}) {
      const positional = toPositional(text, params, 'ad-hoc SQL');
      return (await run(positional.text, positional.values)) as T[];
    },
  };
}

/** The first row, or an error naming the query when there is none. */
export async function one<T = Row>(q: Queryable, name: string, params?: Params): Promise<T> {
  const rows = await q.query<T>(name, params);
  if (rows.length === 0) throw new Error(`query ${name} returned no row`);
  return rows[0] as T;
}

/** The first row or undefined. */
export async function maybeOne<T = Row>(q: Queryable, name: string, params?: Params): Promise<T | undefined> {
  return (await q.query<T>(name, params))[0];
}
