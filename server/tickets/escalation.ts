// Overdue tickets escalate (level 1: the executor's supervisor queue; level 2: the responsible deputy), on a schedule inside the server.
import type { Db } from '../db/db.js';
import { setActor } from '../db/actor.js';
import type { Config } from '../config.js';
import { systemClock, type Clock } from '../clock.js';
import { purgeIdempotencyKeys } from '../http/idempotency.js';
import { purgeRateLimits } from './rate-limit.js';
import { defaultTicketsConfig, type TicketsConfig } from './config.js';

export interface EscalationResult {
  /** Tickets that missed their acceptance deadline in this run. */
  acceptanceOverdue: number[];
  level1: number[];
  level2: number[];
  autoClosed: number[];
}

/**
 * One set-based statement per step; each marks what it did (escalation_level, the event, the
 * status), so a second run at the same moment changes nothing and two servers running it at
 * once do not double the events (the second UPDATE re-checks the level after the first commits).
 */
export async function escalateOverdue(db: Db, now: Date, settings: TicketsConfig = defaultTicketsConfig): Promise<EscalationResult> {
  return db.transaction(async (tx) => {
    await setActor(tx, 'system:escalation');
    const ids = (rows: { ticket_id: number }[]) => rows.map((r) => r.ticket_id).sort((a, b) => a - b);
    const acceptanceOverdue = ids(await tx.query('tickets/acceptance-overdue', { now }));
    const level1 = ids(await tx.query('tickets/escalate-level1', { now }));
    const level2 = ids(await tx.query('tickets/escalate-level2', { now, maxHours: settings.escalationLevel2MaxHours }));
    const autoClosed = ids(await tx.query('tickets/auto-close', { now, days: settings.autoCloseDays }));
    return { acceptanceOverdue, level1, level2, autoClosed };
  });
}

export interface EscalationSchedule {
  /** Runs one round now (and waits for a round already running). */
  runNow(): Promise<EscalationResult>;
  /** Stops the timer and waits for a running round to finish. */
  stop(): Promise<void>;
}

/**
 * Runs escalateOverdue every config.tickets.escalationIntervalMs (and once at start), plus the
 * housekeeping of the intake tables (old rate-limit windows, expired Idempotency-Key answers).
 * Rounds never overlap; a failed round is logged and the next one tries again.
 */
export function startEscalationSchedule(deps: { db: Db; config: Config; clock?: Clock; log?: (message: string) => void }): EscalationSchedule {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((m: string) => console.error(m));
  let running: Promise<EscalationResult> | undefined;
  let stopped = false;

  const round = async (): Promise<EscalationResult> => {
    const now = clock.now();
    const result = await escalateOverdue(deps.db, now, deps.config.tickets);
    await purgeRateLimits(deps.db, new Date(now.getTime() - Math.max(3600, 2 * deps.config.tickets.rateLimitWindowSeconds) * 1000));
    await purgeIdempotencyKeys(deps.db, new Date(now.getTime() - deps.config.tickets.idempotencyRetentionHours * 3_600_000));
    return result;
  };
  const runNow = (): Promise<EscalationResult> => {
    running ??= round().finally(() => { running = undefined; });
    return running;
  };
  const tick = () => {
    if (stopped) return;
    runNow().catch((err: Error) => log(`misto: escalation round failed (will retry): ${err.message}`));
  };
  const timer = setInterval(tick, deps.config.tickets.escalationIntervalMs);
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
