// Intake rate limits: a fixed window per Open311 api_key and per client address of the web form, in the rate_limits table.
import { one, type Queryable } from '../db/db.js';
import { Problem } from '../http/problem.js';

export class RateLimited extends Problem {
  constructor(readonly retryAfterSeconds: number, what: string) {
    super(429, 'rate-limited', 'Too many requests', `Too many ${what}; try again in ${retryAfterSeconds} s.`, undefined,
      { 'Retry-After': String(retryAfterSeconds) });
  }
}

/**
 * Counts a hit for `bucket` and throws RateLimited past `limit` hits in the current window.
 * A limit of 0 turns the check off. All server processes share the table, so they share the limit.
 */
export async function hitRateLimit(q: Queryable, bucket: string, limit: number, windowSeconds: number, now: Date, what: string): Promise<void> {
  if (limit <= 0) return;
  const windowMs = windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const { hits } = await one<{ hits: number }>(q, 'tickets/rate-limit-hit', { bucket, windowStart });
  if (hits > limit) {
    throw new RateLimited(Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000)), what);
  }
}

export async function purgeRateLimits(q: Queryable, before: Date): Promise<void> {
  await q.query('tickets/rate-limit-purge', { before });
}
