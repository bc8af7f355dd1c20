// Personal-data retention: a closed ticket keeps its caller's name, e-mail, phone and device for MISTO_CONTACT_RETENTION_DAYS (365 by default), then they are emptied.
// The ticket itself, its history and its place on the map stay: only what says who called goes.
import type { Db } from '../db/db.js';
import { setActor } from '../db/actor.js';
import { ConfigError } from '../config.js';
import { DAY, MINUTE, systemClock, type Clock } from '../clock.js';

export interface RetentionConfig {
  /** Days a closed ticket keeps its caller's details. */
  contactRetentionDays: number;
  /** How often the schedule looks for tickets past the limit. */
  intervalMs: number;
}

export const defaultRetentionConfig: RetentionConfig = { contactRetentionDays: 365, intervalMs: 60 * MINUTE };

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw} is not a whole number from ${min} to ${max}; fix it or unset it (default ${fallback}).`);
  }
  return value;
}

/** MISTO_CONTACT_RETENTION_DAYS (1–36500, default 365) and MISTO_RETENTION_INTERVAL_MINUTES (1–1440, default 60). */
export function loadRetentionConfig(env: NodeJS.ProcessEnv = process.env): RetentionConfig {
  return {
    contactRetentionDays: whole(env, 'MISTO_CONTACT_RETENTION_DAYS', defaultRetentionConfig.contactRetentionDays, 1, 36_500),
    intervalMs: whole(env, 'MISTO_RETENTION_INTERVAL_MINUTES', defaultRetentionConfig.intervalMs / MINUTE, 1, 1440) * MINUTE,
  };
}

/** Tickets per transaction: a year of a big city's closed tickets is emptied in short steps, not one long lock. */
const BATCH = 1000;

/** Empties the caller's details of every ticket closed more than `retentionDays` before `now`; returns how many tickets. */
export async function anonymiseExpiredContacts(db: Db, opts: { now: Date; retentionDays: number; batch?: number }): Promise<number> {
  const batch = opts.batch ?? BATCH;
  const cutoff = new Date(opts.now.getTime() - opts.retentionDays * DAY);
  let total = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      await setActor(tx, 'system:retention');
      return (await tx.query<{ ticket_id: number }>('privacy/anonymise-contacts', { cutoff, now: opts.now, batch })).length;
    });
    total += done;
    if (done < batch) return total;
  }
}

export interface RetentionSchedule {
  /** One round now (or the one already running); resolves to the tickets anonymised. */
  runNow(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Runs anonymiseExpiredContacts once at start and then every config.intervalMs. Rounds never overlap;
 * a failed round is logged and the next one tries again. main.ts: startRetentionSchedule({ db, config: loadRetentionConfig() }).
 */
export function startRetentionSchedule(deps: { db: Db; config?: RetentionConfig; clock?: Clock; log?: (message: string) => void }): RetentionSchedule {
  const config = deps.config ?? loadRetentionConfig();
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((m: string) => console.error(m));
  let running: Promise<number> | undefined;
  let stopped = false;

  const runNow = (): Promise<number> => {
    running ??= anonymiseExpiredContacts(deps.db, { now: clock.now(), retentionDays: config.contactRetentionDays })
      .then((n) => {
        if (n > 0) log(`misto: anonymised the callers of ${n} ticket(s) closed more than ${config.contactRetentionDays} days ago`);
        return n;
      })
      .finally(() => { running = undefined; });
    return running;
  };
  const tick = () => {
    if (stopped) return;
    runNow().catch((err: Error) => log(`misto: contact retention round failed (will retry): ${err.message}`));
  };
  const timer = setInterval(tick, config.intervalMs);
  timer.unref();
  tick();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
