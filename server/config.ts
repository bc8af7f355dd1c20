// Configuration from the environment, checked once at start with messages a person can act on.
import path from 'node:path';
import { loadTicketsConfig, type TicketsConfig } from './tickets/config.js';
import { DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS } from './db/postgres.js';

export interface Config {
  port: number;
  host: string;
  /** A real PostgreSQL + PostGIS; undefined means the embedded database. */
  databaseUrl: string | undefined;
  /**
   * Hot standbys of DATABASE_URL (streaming replication) for reads that may be a moment behind:
   * tiles, public ticket lists and maps, Open311 GET, address cards. Empty: everything on the primary.
   */
  databaseReadUrls: string[];
  /** A replica further behind than this leaves the rotation until it catches up. */
  databaseReadMaxLagMs: number;
  /** Where the embedded database persists. */
  dataDir: string;
  /** Why 10 connections and 15 s: server/db/postgres.ts. */
  dbPoolSize: number;
  dbStatementTimeoutMs: number;
  /**
   * Requests waiting for a pool connection at which new requests get a fast 503 (0: never).
   * 50 is five per connection of the default pool: an admitted request waits a few statement
   * times, never the pool's 5 s connection timeout, and a refused one learns it at once.
   */
  dbMaxQueue: number;
  /**
   * The same bound in time: once the request waiting longest for a connection has waited this
   * long, new requests get the fast 503 (0: never). Length alone is not enough: when the database
   * slows down, 50 waiters can mean seconds, and requests let in would only time out later.
   */
  dbMaxWaitMs: number;
  /** On SIGTERM, how long requests in flight may take to finish before their connections are closed. */
  shutdownGraceMs: number;
  /** Open311 POST keys accepted besides those in the api_keys table. */
  open311ApiKeys: string[];
  /** The organisation code that gets tickets no service area covers. */
  defaultExecutor: string;
  /**
   * Whether X-Forwarded-For/-Proto are believed (behind nginx or a load balancer). Off by default:
   * a server facing the internet directly would let anyone pick the address its login lockout and
   * complaint rate limit count, and claim TLS it does not have.
   */
  trustProxy: boolean;
  /** Duplicates, deadlines, escalation, rate limits (server/tickets/config.ts). */
  tickets: TicketsConfig;
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw} is not a whole number from ${min} to ${max}; fix it or unset it (default ${fallback}).`);
  }
  return value;
}

function yesNo(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name}=${env[name]} is neither yes nor no; use 1 or 0, or unset it (default ${fallback ? 1 : 0}).`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must look like postgres://user:password@host:5432/dbname (got "${databaseUrl}"); unset it to use the embedded database.`);
  }
  const databaseReadUrls = (env.DATABASE_READ_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  for (const url of databaseReadUrls) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError(`DATABASE_READ_URLS must be a comma list of postgres://user:password@host:5432/dbname (got "${url}").`);
  }
  if (databaseReadUrls.length > 0 && !databaseUrl) throw new ConfigError('DATABASE_READ_URLS names replicas of DATABASE_URL: set DATABASE_URL too, or unset DATABASE_READ_URLS.');
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    databaseReadUrls,
    databaseReadMaxLagMs: integer(env, 'DATABASE_READ_MAX_LAG_MS', 2_000, 10, 3_600_000),
    dataDir: path.resolve(env.MISTO_DATA_DIR || '.misto-data'),
    dbPoolSize: integer(env, 'DB_POOL_SIZE', DEFAULT_POOL_SIZE, 1, 500),
    dbStatementTimeoutMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', DEFAULT_STATEMENT_TIMEOUT_MS, 100, 600_000),
    dbMaxQueue: integer(env, 'DB_MAX_QUEUE', 50, 0, 100_000),
    dbMaxWaitMs: integer(env, 'DB_MAX_WAIT_MS', 1_000, 0, 600_000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    open311ApiKeys: (env.OPEN311_API_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    defaultExecutor: env.MISTO_DEFAULT_EXECUTOR || 'contact-centre',
    trustProxy: yesNo(env, 'MISTO_TRUST_PROXY', false),
    tickets: loadTicketsConfig(env),
  };
}
