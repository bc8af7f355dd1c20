// Strong ETags on GET answers, and 304 Not Modified to an If-None-Match that names the answer's: a cache that revalidates (a browser, nginx, a CDN) gets no body when nothing changed.
import { createHash } from 'node:crypto';
import type { Middleware } from 'koa';

/** Past this size an answer is sent without a validator: hashing it would cost more than it saves. */
const MAX_HASHED_BYTES = 4 * 1024 * 1024;

/**
 * For every GET or HEAD answered 200 with a body in memory (JSON, text, bytes) and without an
 * ETag of its own (tiles have theirs): the ETag is a hash of the bytes sent, so two processes
 * behind one proxy give the same answer the same validator. Answers marked no-store carry
 * private data and are left alone: no cache may keep them, so none will ask.
 */
export function validators(): Middleware {
  return async (ctx, next) => {
    await next();
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.status !== 200 || ctx.response.get('ETag')) return;
    if (/\bno-store\b/i.test(ctx.response.get('Cache-Control'))) return;
    const body: unknown = ctx.body;
    let bytes: Buffer | string;
    if (typeof body === 'string' || Buffer.isBuffer(body)) bytes = body;
    else if (body !== null && typeof body === 'object' && typeof (body as { pipe?: unknown }).pipe !== 'function') {
      // As Koa would send it; sent as this string, so the bytes are exactly the ones hashed.
      bytes = JSON.stringify(body);
      ctx.body = bytes;
    } else return;
    if (bytes.length > MAX_HASHED_BYTES) return;
    const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 32)}"`;
    ctx.set('ETag', etag);
    if (ifNoneMatchNames(ctx.get('If-None-Match'), etag)) {
      ctx.status = 304;
      ctx.body = null;
    }
  };
}

/**
 * Whether If-None-Match names this (strong) tag, by the weak comparison RFC 9110 13.1.2 asks
 * for. Not Koa's ctx.fresh: that says stale whenever the request carries Cache-Control: no-cache,
 * which fetch adds to every conditional request; an origin server answers the condition itself.
 */
export function ifNoneMatchNames(header: string, etag: string): boolean {
  if (!header || header.length > 8192) return false;
  return header.split(',').some((raw) => {
    const tag = raw.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}
