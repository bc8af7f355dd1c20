// Load shedding: when too many requests already wait for a database connection, a new one gets a fast 503 with Retry-After instead of a slow timeout.
import type Koa from 'koa';
import type { Db, PoolStats } from '../db/db.js';
import { Problem } from './problem.js';

/**
 * Paths this gate leaves alone. The live stream needs no database per request. Tiles mostly come
 * from the cache, which needs none either; a tile that must be rendered waits for one of the tile
 * service's own render slots, a bounded queue that refuses with the same 503 when it is full
 * (tiles/service.ts), so a map full of tiles never locks out the tickets and cards.
 */
const NO_DATABASE = [/^\/api\/live$/, /^\/tiles\//];

export interface LoadSheddingOptions {
  /** Waiting requests at or beyond which new requests are refused; 0: no bound. */
  dbMaxQueue: number;
  /** How long the longest waiter may have waited before new requests are refused (ms); 0: no bound. */
  dbMaxWaitMs: number;
  /** Seconds a refused client is told to wait (Retry-After). */
  retryAfterS?: number;
}

export const overloaded = (retryAfterS: number) => new Problem(503, 'overloaded', 'The server is busy',
  'Too many requests are waiting for the database; try again shortly.', undefined, { 'Retry-After': String(retryAfterS) });

/**
 * Whether to refuse a new request: the requests let in would outnumber the pool's connections by
 * more than dbMaxQueue, or the pool's queue (which the live stream and the schedules also use)
 * is past dbMaxQueue, or its longest waiter has waited dbMaxWaitMs.
 */
export function isOverloaded(stats: PoolStats, admitted: number, opts: LoadSheddingOptions): boolean {
  if (opts.dbMaxQueue > 0 && (admitted >= stats.max + opts.dbMaxQueue || stats.waiting >= opts.dbMaxQueue)) return true;
  return opts.dbMaxWaitMs > 0 && stats.oldestWaitMs >= opts.dbMaxWaitMs;
}

/**
 * A request admitted here runs to its end; only new ones are refused, at the door, before any
 * database work, so a refusal costs microseconds, the requests let in keep finishing (rather
 * than all of them timing out together), and the queue drains by itself: the server recovers as
 * soon as the arrivals fall below what the database can do. The requests let in are counted
 * here rather than read off the pool's queue alone: a burst of arrivals all pass a queue that
 * none of them has reached yet, and then wait in it together. The embedded database reports no
 * pool and is never shed.
 */
export function loadShedding(db: Db, opts: LoadSheddingOptions): Koa.Middleware {
  const retryAfterS = opts.retryAfterS ?? 1;
  let admitted = 0;
  return async (ctx, next) => {
    if (!db.poolStats || NO_DATABASE.some((p) => p.test(ctx.path))) return next();
    if (isOverloaded(db.poolStats(), admitted, opts)) throw overloaded(retryAfterS);
    admitted++;
    try {
      await next();
    } finally {
      admitted--;
    }
  };
}
