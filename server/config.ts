// Configuration from the environment, checked once at start with messages a person can act on.
import path from 'node:path';
import { loadTicketsConfig, type TicketsConfig } from './tickets/config.js';

export interface Config {
  port: number;
  host: string;
  /** A real PostgreSQL + PostGIS; undefined means the embedded database. */
  databaseUrl: string | undefined;
  /** Where the embedded database persists. */
  dataDir: string;
  dbPoolSize: number;
  dbStatementTimeoutMs: number;
  /** Open311 POST keys accepted besides those in the api_keys table. */
  open311ApiKeys: string[];
  /** The organisation code that gets tickets no service area covers. */
  defaultExecutor: string;
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must look like postgres://user:password@host:5432/dbname (got "${databaseUrl}"); unset it to use the embedded database.`);
  }
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    dataDir: path.resolve(env.MISTO_DATA_DIR || '.misto-data'),
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 500),
    dbStatementTimeoutMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', 15_000, 100, 600_000),
    open311ApiKeys: (env.OPEN311_API_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    defaultExecutor: env.MISTO_DEFAULT_EXECUTOR || 'contact-centre',
    tickets: loadTicketsConfig(env),
  };
}
