// Ticket settings (duplicates, deadlines, escalation, rate limits), from the environment with defaults.
import { ConfigError } from '../config.js';

export interface TicketsConfig {
  /** The city's time zone: Open311 datetimes carry its offset, notices are written in its local time. */
  timeZone: string;
  /** Open tickets of the same category this near (metres) and this recent (hours) are offered as duplicates. */
  duplicateRadiusM: number;
  duplicateWindowHours: number;
  /** A citizen may reopen a done or closed ticket this many days after it was done. */
  reopenWindowDays: number;
  /** A done ticket nobody touched for this many days is closed by the system. */
  autoCloseDays: number;
  /** How often the scheduler escalates overdue tickets and closes quiet done ones. */
  escalationIntervalMs: number;
  /** Level 2 (the responsible deputy) comes when a ticket stays overdue for its own deadline length again, but no later than this. */
  escalationLevel2MaxHours: number;
  /** Fixed-window rate limits: Open311 POSTs per api_key and anonymous web-form tickets per client address. 0 turns one off. */
  rateLimitWindowSeconds: number;
  open311RequestsPerWindow: number;
  webRequestsPerWindow: number;
  /** How long a stored Idempotency-Key answer is kept. */
  idempotencyRetentionHours: number;
}

export const defaultTicketsConfig: TicketsConfig = {
  timeZone: 'Europe/Kyiv',
  duplicateRadiusM: 50,
  duplicateWindowHours: 72,
  reopenWindowDays: 14,
  autoCloseDays: 7,
  escalationIntervalMs: 60_000,
  escalationLevel2MaxHours: 24,
  rateLimitWindowSeconds: 60,
  open311RequestsPerWindow: 6000,
  webRequestsPerWindow: 20,
  idempotencyRetentionHours: 168,
};

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw} is not a number from ${min} to ${max}; fix it or unset it (default ${fallback}).`);
  }
  return value;
}

export function loadTicketsConfig(env: NodeJS.ProcessEnv = process.env): TicketsConfig {
  const timeZone = env.MISTO_TIME_ZONE || defaultTicketsConfig.timeZone;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new ConfigError(`MISTO_TIME_ZONE=${timeZone} is not a time zone name; use one like Europe/Kyiv.`);
  }
  const d = defaultTicketsConfig;
  return {
    timeZone,
    duplicateRadiusM: number(env, 'MISTO_DUPLICATE_RADIUS_M', d.duplicateRadiusM, 0, 10_000),
    duplicateWindowHours: number(env, 'MISTO_DUPLICATE_WINDOW_HOURS', d.duplicateWindowHours, 0, 24 * 365),
    reopenWindowDays: number(env, 'MISTO_REOPEN_WINDOW_DAYS', d.reopenWindowDays, 0, 365),
    autoCloseDays: number(env, 'MISTO_AUTO_CLOSE_DAYS', d.autoCloseDays, 1, 365),
    escalationIntervalMs: number(env, 'MISTO_ESCALATION_INTERVAL_MS', d.escalationIntervalMs, 1_000, 24 * 3_600_000),
    escalationLevel2MaxHours: number(env, 'MISTO_ESCALATION_LEVEL2_MAX_HOURS', d.escalationLevel2MaxHours, 1, 24 * 365),
    rateLimitWindowSeconds: number(env, 'MISTO_RATE_LIMIT_WINDOW_S', d.rateLimitWindowSeconds, 1, 86_400),
    open311RequestsPerWindow: number(env, 'MISTO_OPEN311_RATE_LIMIT', d.open311RequestsPerWindow, 0, 10_000_000),
    webRequestsPerWindow: number(env, 'MISTO_WEB_RATE_LIMIT', d.webRequestsPerWindow, 0, 10_000_000),
    idempotencyRetentionHours: number(env, 'MISTO_IDEMPOTENCY_RETENTION_HOURS', d.idempotencyRetentionHours, 1, 24 * 365),
  };
}
