// The outage status clock: scheduled → active at starts_at, → resolved at ends_at (notices withdrawn, waiting tickets moved on), manual notices expire.
import type { Db } from '../db/db.js';
import { setActor } from '../db/actor.js';
import { MINUTE, systemClock, type Clock } from '../clock.js';
import { resolveDueOutage } from './outages.js';

export interface StatusAdvance {
  activated: number[];
  resolved: number[];
  expiredTelephonograms: number;
}

/** Moves every outage whose time has come; safe to run from several processes at once. */
export async function advanceOutageStatuses(db: Db, now: Date): Promise<StatusAdvance> {
  const activated = await db.transaction(async (tx) => {
    await setActor(tx, 'system:outage-clock');
    return (await tx.query<{ id: number }>('outages/activate_due', { now })).map((r) => r.id);
  });
  const resolved: number[] = [];
  // One transaction per outage: a failure in one (a constraint, a lock timeout) must not hold
  // back the others, and each resolution moves its own tickets together.
  for (const { id } of await db.query<{ id: number }>('outages/due_to_resolve', { now })) {
    if (await resolveDueOutage(db, id, now)) resolved.push(id);
  }
  const expiredTelephonograms = await db.transaction(async (tx) => {
    await setActor(tx, 'system:outage-clock');
    return (await tx.query<{ expired: number }>('outages/expire_manual_telephonograms', { now }))[0]?.expired ?? 0;
  });
  return { activated, resolved, expiredTelephonograms };
}

export interface OutageScheduleDeps {
  db: Db;
  clock?: Clock;
  /** How often the clock looks; a minute keeps the status within a minute of the announced time. */
  intervalMs?: number;
  log?: (message: string) => void;
}

export interface OutageSchedule {
  /** Runs one round now (or waits for the round already running) and says what it moved. */
  runNow(): Promise<StatusAdvance>;
  /** Stops the timer and waits for a running round to finish. */
  stop(): Promise<void>;
}

/**
 * Runs advanceOutageStatuses at once and then every intervalMs, inside the server: rounds never
 * overlap, and a failed round is logged and the next one tries again.
 */
export function startOutageSchedule(deps: OutageScheduleDeps): OutageSchedule {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((m: string) => console.error(m));
  let running: Promise<StatusAdvance> | undefined;
  let stopped = false;
  const runNow = (): Promise<StatusAdvance> => {
    running ??= advanceOutageStatuses(deps.db, clock.now()).finally(() => { running = undefined; });
    return running;
  };
  const tick = () => {
    if (stopped) return;
    runNow().catch((err: Error) => log(`misto: outage status round failed (will retry): ${err.message}`));
  };
  const timer = setInterval(tick, deps.intervalMs ?? MINUTE);
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
