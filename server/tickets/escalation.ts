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
 * How many tickets one statement of a round changes at most. A backlog (a server that was down, a
 * freshly loaded city) is worked off batch after batch, each its own short transaction, instead of
 * one statement that outlasts the statement timeout, is rolled back and is tried again forever.
 */
export const ESCALATION_BATCH = 500;

/**
 * One set-based statement per step, run in batches until a batch comes back short; each marks what
 * it did (escalation_level, the event, the status), so a second run at the same moment changes
 * nothing and two servers running it at once do not double the events (the second one re-checks
 * the ticket under its row lock after the first commits).
 */
export async function escalateOverdue(db: Db, now: Date, settings: TicketsConfig = defaultTicketsConfig, batch = ESCALATION_BATCH): Promise<EscalationResult> {
  const all: EscalationResult = { acceptanceOverdue: [], level1: [], level2: [], autoClosed: [] };
  const steps = Object.keys(all) as (keyof EscalationResult)[];
  // Each step goes on from the highest id it has done, so a long backlog is read once, not once per batch.
  const after: Record<keyof EscalationResult, number> = { acceptanceOverdue: 0, level1: 0, level2: 0, autoClosed: 0 };
  const ids = (rows: { ticket_id: number }[]) => rows.map((r) => r.ticket_id);
  for (;;) {
    const round = await db.transaction(async (tx): Promise<EscalationResult> => {
      await setActor(tx, 'system:escalation');
      return {
        acceptanceOverdue: ids(await tx.query('tickets/acceptance-overdue', { now, limit: batch, after: after.acceptanceOverdue })),
        level1: ids(await tx.query('tickets/escalate-level1', { now, limit: batch, after: after.level1 })),
        level2: ids(await tx.query('tickets/escalate-level2', { now, maxHours: settings.escalationLevel2MaxHours, limit: batch, after: after.level2 })),
        autoClosed: ids(await tx.query('tickets/auto-close', { now, days: settings.autoCloseDays, limit: batch, after: after.autoClosed })),
      };
    });
    for (const step of steps) {
      all[step].push(...round[step]);
      after[step] = Math.max(after[step], ...round[step]);
    }
    if (steps.every((step) => round[step].length < batch)) break;
  }
  for (const list of [all.acceptanceOverdue, all.level1, all.level2, all.autoClosed]) list.sort((a, b) => a - b);
  return all;
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
