// One error shape for /api: RFC 9457 problem details, with field errors a form can show.
import type { Context, Next } from 'koa';

export interface FieldError {
  field: string;
  message: string;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    /** A stable id, e.g. 'validation', 'not-found', 'conflict'. */
    readonly type: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? title);
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) => new Problem(400, 'validation', 'The request is not valid', detail, errors);
export const notFound = (detail: string) => new Problem(404, 'not-found', 'Not found', detail);
export const conflict = (detail: string) => new Problem(409, 'conflict', 'Conflict', detail);
export const forbidden = (detail: string) => new Problem(403, 'forbidden', 'Forbidden', detail);
export const unauthorized = (detail: string) => new Problem(401, 'unauthorized', 'Login required', detail);

// Connection-level failures: the database is away, so ask the client to come back. 57014 is a
// statement cancelled by statement_timeout: the database was too busy to answer in time.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08006', '08001', '08003', '53300', '57014']);

function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (e.code !== undefined && UNAVAILABLE_CODES.has(e.code)) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(e.message ?? '');
}

export function writeProblem(ctx: Context, p: Problem) {
  ctx.status = p.status;
  ctx.type = 'application/problem+json';
  for (const [k, v] of Object.entries(p.headers ?? {})) ctx.set(k, v);
  ctx.body = {
    type: `https://misto.city/problems/${p.type}`,
    title: p.title,
    status: p.status,
    ...(p.detail ? { detail: p.detail } : {}),
    ...(p.errors ? { errors: p.errors } : {}),
  };
}

/** Turns whatever a handler throws into a problem response; never leaks a stack or SQL. */
export function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  const e = err as { status?: number; expose?: boolean; message?: string; type?: string };
  if (e.type === 'entity.too.large') return new Problem(413, 'too-large', 'The request body is too large', e.message);
  if (e.type === 'entity.parse.failed' || e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return badRequest(`The request body could not be read: ${e.message}`);
  }
  if (err instanceof SyntaxError && e.status === 400) return badRequest(`The request body is not valid JSON: ${err.message}`);
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new Problem(e.status, 'http', e.message ?? 'Bad request');
  }
  if (isUnavailable(err)) {
    return new Problem(503, 'unavailable', 'The database is unavailable', 'Try again in a few seconds.', undefined, { 'Retry-After': '5' });
  }
  return new Problem(500, 'internal', 'Internal error', 'Something went wrong on our side; it has been logged.');
}

export async function problemMiddleware(ctx: Context, next: Next) {
  try {
    await next();
  } catch (err) {
    const p = toProblem(err);
    if (p.status >= 500 && p.status !== 503) console.error(`${ctx.method} ${ctx.path}:`, err);
    writeProblem(ctx, p);
  }
}
