// The change feed: one LISTEN on 'misto_changes' (sent by the *__notify_changed triggers),
// fanned out in-process to the tile cache and the live stream.
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

export async function createChangeFeed(db: Db): Promise<ChangeFeed> {
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
  return {
    subscribe(fn, reconnected) {
      const entry = { fn, reconnected };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    close: stop,
  };
}
