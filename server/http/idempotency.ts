// Idempotency-Key for POSTs: a retried request gets the first answer back instead of doing the work twice.
import { createHash } from 'node:crypto';
import type Koa from 'koa';
import { maybeOne, type Db, type Queryable } from '../db/db.js';
import { badRequest, Problem } from './problem.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** Set on ctx.state.idempotency when the request carries a new key: the handler saves its answer in its own transaction. */
export interface IdempotencyState {
  key: string;
  scope: string;
  requestHash: string;
  /** Call inside the transaction that does the work, so the answer and the work commit together or not at all. */
  save(tx: Queryable, answer: { status: number; type: string; body: unknown }, now: Date): Promise<void>;
}

/** Sorted keys: the same fields in another order are the same request. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${JSON.stringify(canonical(body ?? null))}`).digest('hex');
}

function isKeyConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; message?: string };
  return e.code === '23505' && (e.constraint === 'idempotency_keys_pkey' || /idempotency_keys_pkey/.test(e.message ?? ''));
}

interface StoredAnswer {
  request_hash: string;
  status: number;
  response: { type: string; body: string };
}

/**
 * Middleware for one POST route. `scope` names the caller (an api key, a user, a client address):
 * keys are per caller. Same key + same body → the stored answer (header Idempotent-Replayed: true);
 * same key + another body → 422. Without the header the request runs as usual.
 */
export function idempotency(db: Db, scope: (ctx: Koa.Context) => string | Promise<string>): Koa.Middleware {
  return async (ctx, next) => {
    const key = ctx.get(IDEMPOTENCY_HEADER);
    if (key === '') return next();
    if (key.length > 200 || !/^[\x21-\x7e]+$/.test(key)) {
      throw badRequest(`${IDEMPOTENCY_HEADER} must be 1 to 200 visible ASCII characters.`, [{ field: IDEMPOTENCY_HEADER, message: 'must be 1 to 200 visible ASCII characters' }]);
    }
    const callerScope = await scope(ctx);
    const hash = requestHash(ctx.method, ctx.path, ctx.request.body);
    const replay = async (): Promise<boolean> => {
      const stored = await maybeOne<StoredAnswer>(db, 'http/idempotency-find', { scope: callerScope, key });
      if (!stored) return false;
      if (stored.request_hash !== hash) {
        throw new Problem(422, 'idempotency-key-reused', 'Idempotency-Key reused',
          `The ${IDEMPOTENCY_HEADER} "${key}" was used before with a different request; use a new key for a new request.`,
          [{ field: IDEMPOTENCY_HEADER, message: 'was used with a different request' }]);
      }
      ctx.status = stored.status;
      ctx.type = stored.response.type;
      ctx.body = stored.response.body;
      ctx.set('Idempotent-Replayed', 'true');
      return true;
    };
    if (await replay()) return;
    const state: IdempotencyState = {
      key,
      scope: callerScope,
      requestHash: hash,
      async save(tx, answer, now) {
        await tx.query('http/idempotency-save', {
          scope: callerScope, key, requestHash: hash, status: answer.status,
          // A JSON answer is kept as its text: jsonb would reorder its keys, and a replay should be byte for byte.
          response: JSON.stringify({ type: answer.type, body: typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body) }), now,
        });
      },
    };
    ctx.state.idempotency = state;
    try {
      await next();
    } catch (err) {
      // The same key arrived twice at once: the other request committed first, and its answer stands.
      if (isKeyConflict(err) && await replay()) return;
      throw err;
    }
  };
}

export async function purgeIdempotencyKeys(db: Queryable, before: Date): Promise<void> {
  await db.query('http/idempotency-purge', { before });
}
