// The real-server backend: a pg pool, plus one dedicated LISTEN connection that reconnects.
import pg from 'pg';
import { queryable, type Db, type Queryable, type Row, type RunPositional } from './db.js';
import { createReadRouter, DEFAULT_READ_MAX_LAG_MS, type ReadRouter } from './replicas.js';

// int8 (counts, ids) as numbers, as PGlite gives them: our ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PostgresOptions {
  connectionString: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** Hot standbys for db.reader() (DATABASE_READ_URLS); none: reads go to the primary. */
  readUrls?: string[];
  readMaxLagMs?: number;
  /** How often replica lag is measured (tests set it short). */
  readCheckMs?: number;
  /** Called with each error of the LISTEN connection before it reconnects. */
  onListenError?: (err: Error) => void;
}

// The defaults (and DB_POOL_SIZE / DB_STATEMENT_TIMEOUT_MS in server/config.ts) are chosen, not
// inherited: a PostgreSQL on a few cores runs about 2 × cores statements at once before they only
// queue inside the server, so 10 connections per process keep it busy without thrashing, and the
// load shedder (server/http/load-shedding.ts) turns a longer queue into fast 503s. Every request
// statement is an indexed lookup or one tile (milliseconds); 15 s is far past any of them, so a
// statement that runs that long is a runaway that would hold a connection from everyone else.
export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

export async function openPostgres(opts: PostgresOptions): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolSize ?? DEFAULT_POOL_SIZE,
    // A request must not wait forever for a connection when the database is gone.
    connectionTimeoutMillis: 5_000,
    statement_timeout: opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: 30_000,
    application_name: 'misto',
    // A database host that vanishes without closing its sockets is noticed by TCP keepalive.
    keepAlive: true,
  });
  // An idle client's error (database restarted) must not crash the process; the pool drops it.
  pool.on('error', () => {});
  // Who waits for a connection, since when (in arrival order): the oldest wait is the queue's length in time.
  const waiters = new Map<number, number>();
  let nextWaiter = 0;
  const acquire = async (): Promise<pg.PoolClient> => {
    const id = nextWaiter++;
    waiters.set(id, performance.now());
    try {
      return await pool.connect();
    } finally {
      waiters.delete(id);
    }
  };
  /**
   * Runs fn on a connection of its own. A checked-out client has no 'error' listener of its own:
   * the database going away between two statements (a restart, a terminated backend) would be
   * an unhandled 'error' and end the process. Noted here instead, the next statement fails and
   * the client is thrown away on release; the pool also drops a client whose connection ended.
   */
  const withClient = async <T>(fn: (client: pg.PoolClient, broke: (err: unknown) => void) => Promise<T>): Promise<T> => {
    const client = await acquire();
    let broken: Error | undefined;
    const broke = (err: unknown) => { broken ??= err instanceof Error ? err : new Error(String(err)); };
    client.on('error', broke);
    try {
      return await fn(client, broke);
    } finally {
      client.off('error', broke);
      client.release(broken);
    }
  };
  // An error the server answered with (a constraint, a timeout) leaves the connection usable; any other does not.
  const statement = async (client: pg.PoolClient, broke: (err: unknown) => void, text: string, values?: unknown[], preparedName?: string) => {
    try {
      // Without a name (or without values) pg runs it unprepared, as the simple protocol where it can.
      return await client.query({ text, values: values ?? [], name: preparedName });
    } catch (err) {
      if (!(err instanceof pg.DatabaseError)) broke(err);
      throw err;
    }
  };
  const run: RunPositional = (text, values, preparedName) => withClient(async (client, broke) => (await statement(client, broke, text, values, preparedName)).rows as Row[]);
  const main = queryable(run, async (script) => { await withClient((client, broke) => statement(client, broke, script)); });
  const router: ReadRouter | undefined = opts.readUrls?.length
    ? createReadRouter(run, {
      urls: opts.readUrls,
      maxLagMs: opts.readMaxLagMs ?? DEFAULT_READ_MAX_LAG_MS,
      ...(opts.readCheckMs ? { checkEveryMs: opts.readCheckMs } : {}),
      poolSize: opts.poolSize ?? DEFAULT_POOL_SIZE,
      statementTimeoutMs: opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    })
    : undefined;
  // LISTEN stays on the primary; each message fences the replicas before anyone acts on it.
  const listener = new Listener(opts.connectionString, opts.onListenError ?? (() => {}), () => router?.fence());
  const reads = router ? queryable(router.run, main.exec) : main;

  return {
    backend: 'postgres',
    ...main,
    reader: () => reads,
    ...(router ? { replicaStats: () => router.stats() } : {}),
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return withClient(async (client, broke) => {
        await client.query('BEGIN');
        try {
          const result = await fn(queryable(
            async (text, values, preparedName) => (await statement(client, broke, text, values, preparedName)).rows as Row[],
            async (script) => { await client.query(script); },
          ));
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(broke);
          throw err;
        }
      });
    },
    listen: (channel, onMessage) => listener.add(channel, onMessage),
    poolStats: () => {
      const oldest = waiters.values().next();
      return {
        total: pool.totalCount, idle: pool.idleCount, max: opts.poolSize ?? DEFAULT_POOL_SIZE, waiting: pool.waitingCount,
        oldestWaitMs: oldest.done ? 0 : performance.now() - oldest.value,
      };
    },
    async close() {
      await listener.close();
      await router?.close();
      await pool.end();
    },
  };
}

/** One connection for all LISTENs; on loss it reconnects with backoff and listens again. */
class Listener {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private closed = false;
  private retryMs = 100;

  constructor(private readonly connectionString: string, private readonly onError: (err: Error) => void, private readonly onAny: () => void) {}

  async add(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    const first = !set;
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(onMessage);
    const client = await this.connect();
    if (first) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    return async () => {
      set.delete(onMessage);
      if (set.size === 0 && this.handlers.get(channel) === set) {
        this.handlers.delete(channel);
        await this.client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {});
      }
    };
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString, application_name: 'misto-listen', keepAlive: true });
      client.on('notification', (msg) => {
        this.onAny();
        for (const handler of this.handlers.get(msg.channel) ?? []) handler(msg.payload ?? '');
      });
      client.on('error', (err) => this.lost(client, err));
      client.on('end', () => this.lost(client, new Error('LISTEN connection ended')));
      try {
        await client.connect();
        for (const channel of this.handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      } catch (err) {
        client.end().catch(() => {});
        throw err;
      } finally {
        this.connecting = undefined;
      }
      this.client = client;
      this.retryMs = 100;
      return client;
    })();
    return this.connecting;
  }

  private lost(client: pg.Client, err: Error) {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.closed) return;
    this.onError(err);
    this.reconnectLater();
  }

  private reconnectLater() {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 1_000);
    setTimeout(() => {
      if (this.closed || this.client) return;
      this.connect().then(
        // Messages sent while we were away are gone: tell every handler to assume the worst.
        () => { this.onAny(); for (const set of this.handlers.values()) for (const h of set) h('{"op":"reconnected"}'); },
        (e: Error) => { this.onError(e); this.reconnectLater(); },
      );
    }, delay).unref();
  }

  async close() {
    this.closed = true;
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }
}
