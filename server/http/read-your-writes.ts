// Read-your-writes with read replicas: a request that writes, and every request of the same
// browser for a short while after it, reads from the primary (db.reader() gives the primary).
import type { Middleware } from 'koa';
import type { Config } from '../config.js';
import { withPrimaryReads, DEFAULT_LAG_CHECK_MS } from '../db/replicas.js';

export const WROTE_COOKIE = 'misto_wrote';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The window outlasts the staleness a replica in rotation may have (the lag bound plus one lag
 * check, plus a second to spare), so a write is on every replica still in rotation when the
 * cookie expires. A client that keeps no cookies (an Open311 integration) is not covered: it
 * gets the replica's answer, at most that window behind.
 */
export function readYourWritesWindowS(config: Pick<Config, 'databaseReadMaxLagMs'>): number {
  return Math.ceil((config.databaseReadMaxLagMs + DEFAULT_LAG_CHECK_MS + 1_000) / 1_000);
}

export function readYourWrites(config: Config): Middleware {
  const maxAge = readYourWritesWindowS(config);
  return async (ctx, next) => {
    // Without replicas every read is on the primary already: no cookie, nothing to route.
    if (config.databaseReadUrls.length === 0) return next();
    const writes = !SAFE_METHODS.has(ctx.method);
    if (!writes && !ctx.cookies.get(WROTE_COOKIE)) return next();
    await withPrimaryReads(next);
    if (writes && ctx.status < 400) {
      ctx.cookies.set(WROTE_COOKIE, '1', { maxAge: maxAge * 1000, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', overwrite: true });
    }
  };
}
