// The change feed: one LISTEN on 'misto_changes', fanned out in-process to the tile cache and the
// live stream; and the relay that sends those messages from the change log (migration 0016).
import type { Db } from '../db/db.js';

/** Bounding box [west, south, east, north] in WGS 84. */
export type BBox = [number, number, number, number];

export interface Change {
  table: 'tickets' | 'outages' | 'objects' | 'service_areas' | 'addresses' | string;
  id: string;
  op: 'insert' | 'update' | 'delete';
  old: BBox | null;
  new: BBox | null;
}

export type ChangeListener = (change: Change) => void;

export interface ChangeFeed {
  /** Calls fn for each change; with reconnected() after a lost LISTEN (anything may have changed). */
  subscribe(fn: ChangeListener, reconnected?: () => void): () => void;
  close(): Promise<void>;
}

export interface ChangeFeedOptions {
  /** How often an awake relay drains the change log. */
  relayEveryMs?: number;
  /** The most changes one round sends (RELAY_BATCH). */
  relayBatch?: number;
}

/**
 * 50 ms: a change reaches the listeners at most this long after its commit (plus a round trip)
 * while the relay is awake — a twentieth of DESIGN.md's second of freshness, and little enough
 * that a change is announced about as soon as a NOTIFY in its own transaction used to be. Asleep,
 * the doorbell wakes it at once. An awake round that finds nothing costs the database a tenth of a
 * millisecond.
 */
export const RELAY_EVERY_MS = 50;
/**
 * How long relays stay awake after a round that sent changes: more than the 100 ms a committing
 * transaction must see left before it skips the doorbell (migration 0016), and several rounds. Under
 * steady writes the relays never sleep and no transaction rings; a quarter of a second after the
 * last change they stop sending statements.
 */
export const RELAY_AWAKE_MS = 250;
/** The most changes one round sends: a burst (a big import) goes out in several short transactions. */
export const RELAY_BATCH = 1_000;

/**
 * Drains the change log into NOTIFYs (migration 0016) until stopped. Each server process runs
 * one; rows are taken with SKIP LOCKED, so several processes share the work and each change is
 * sent once, to every process's LISTEN. Awake, it drains every `everyMs`; it sleeps after a round
 * that started past the awake time and found nothing, until wake() (the doorbell, a reconnect). A
 * round that fails (the database is away) is tried again next time: rows stay until a round commits.
 */
function startRelay(db: Db, everyMs: number, batch: number): { wake(): void; stop(): Promise<void> } {
  let closed = false;
  let rang = true;
  let timer: NodeJS.Timeout | undefined;
  let resume: (() => void) | undefined;
  const wait = (ms: number | undefined) => new Promise<void>((resolve) => {
    resume = resolve;
    if (ms !== undefined) timer = setTimeout(resolve, ms);
  });
  const loop = (async () => {
    while (!closed) {
      rang = false;
      let round = { sent: 0, awake: true };
      try {
        round = (await db.query<{ sent: number; awake: boolean }>('live/relay-changes', { max: batch, awakeMs: RELAY_AWAKE_MS }))[0] ?? round;
      } catch {
        // The database is away or the pool is closing: try again next round.
      }
      if (closed) break;
      if (round.sent >= batch) continue;
      // Asleep until rung, unless it rang meanwhile.
      const asleep = round.sent === 0 && !round.awake;
      if (!asleep || !rang) await wait(asleep ? undefined : everyMs);
      clearTimeout(timer);
      resume = undefined;
    }
  })();
  return {
    wake() {
      rang = true;
      resume?.();
    },
    async stop() {
      closed = true;
      clearTimeout(timer);
      resume?.();
      await loop;
    },
  };
}

export async function createChangeFeed(db: Db, opts: ChangeFeedOptions = {}): Promise<ChangeFeed> {
  const listeners = new Set<{ fn: ChangeListener; reconnected: (() => void) | undefined }>();
  const stop = await db.listen('misto_changes', (payload) => {
    let message: Change | { op: 'reconnected' };
    try {
      message = JSON.parse(payload) as Change | { op: 'reconnected' };
    } catch {
      return;
    }
    for (const l of listeners) {
      if (message.op === 'reconnected') l.reconnected?.();
      else l.fn(message as Change);
    }
  });
  // The doorbell, and a reconnect ('reconnected'), which may have missed one. Listened to before
  // the relay's first round, which drains whatever was committed until then.
  let relay: ReturnType<typeof startRelay> | undefined;
  const stopDoorbell = await db.listen('misto_relay', () => relay?.wake());
  relay = startRelay(db, opts.relayEveryMs ?? RELAY_EVERY_MS, opts.relayBatch ?? RELAY_BATCH);
  return {
    subscribe(fn, reconnected) {
      const entry = { fn, reconnected };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    async close() {
      await relay?.stop();
      await stopDoorbell();
      await stop();
    },
  };
}
