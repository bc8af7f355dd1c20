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
  onError?: (err: unknown) => void;
}

/** Runs advanceOutageStatuses now and then every intervalMs (never two runs at once); returns stop(). */
export function startOutageSchedule(deps: OutageScheduleDeps): () => Promise<void> {
  const clock = deps.clock ?? systemClock;
  const onError = deps.onError ?? ((err) => console.error('misto: outage status clock:', err));
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = advanceOutageStatuses(deps.db, clock.now())
      .then(() => undefined, onError)
      .finally(() => { running = undefined; });
  };
  tick();
  const timer = setInterval(tick, deps.intervalMs ?? MINUTE);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
