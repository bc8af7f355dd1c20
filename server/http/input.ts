// Reading a request's input at the edge: the body (JSON or a form, qs-style nested keys) within a size limit, then the body and query string checked for what no handler can use.
// Too large is 413; a body that cannot be read (broken compression, an unknown charset, bad JSON) is 400, never 500. Text with a NUL or a lone
// surrogate is 400 too, whatever the field: PostgreSQL text and jsonb cannot hold a NUL, so such a value would otherwise fail deep in SQL.
import type Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { badRequest, toProblem, type Problem } from './problem.js';

/** Deeper than any request Misto takes (a MultiPolygon is 4 levels in its field); recursive code downstream stays far from the stack's end. */
export const MAX_INPUT_DEPTH = 32;

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const shown = (name: string) => name.replace(/[\u0000-\u001f\uD800-\uDFFF]/g, '\uFFFD').slice(0, 100);

/** The first thing in a parsed body or query that no handler can take, as a 400; undefined when all is well. Iterative: depth is what it checks. */
export function unusableInput(value: unknown, where: string): Problem | undefined {
  const stack: [unknown, string, number][] = [[value, where, 0]];
  while (stack.length > 0) {
    const [v, field, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) {
        return badRequest(`${shown(field)} contains a NUL character or broken UTF-16 (a lone surrogate).`, [{ field: shown(field), message: 'must be text without NUL characters or lone surrogates' }]);
      }
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_INPUT_DEPTH) {
        return badRequest(`The ${where} is nested more than ${MAX_INPUT_DEPTH} levels deep.`, [{ field: shown(field), message: `nested more than ${MAX_INPUT_DEPTH} levels deep` }]);
      }
      for (const [key, child] of Object.entries(v)) {
        const name = depth === 0 ? key : `${field}.${key}`;
        if (UNSTORABLE.test(key)) {
          return badRequest(`A field name in the ${where} contains a NUL character or broken UTF-16.`, [{ field: shown(name), message: 'a field name must be text without NUL characters or lone surrogates' }]);
        }
        stack.push([child, name, depth + 1]);
      }
    }
  }
  return undefined;
}

const noop = async () => {};

function unreadable(err: unknown): Problem {
  const p = toProblem(err);
  if (p.status < 500) return p;
  // What is left are errors of the decoders (zlib, brotli, iconv): the bytes are not what their headers say.
  return badRequest(`The request body could not be read: ${(err as Error).message ?? 'it is not what its Content-Type and Content-Encoding say'}.`);
}

/** Parses ctx.request.body and checks it and ctx.query; throws a 4xx problem for anything unusable. */
export function inputReader(limit: string): (ctx: Koa.Context) => Promise<void> {
  const parse = bodyParser({ enableTypes: ['json', 'form'], jsonLimit: limit, formLimit: limit });
  return async (ctx) => {
    const query = unusableInput(ctx.query, 'query');
    if (query) throw query;
    try {
      // Called apart from next(): an error downstream must not be mistaken for an unreadable body.
      await parse(ctx, noop);
    } catch (err) {
      throw unreadable(err);
    }
    const body = unusableInput(ctx.request.body, 'body');
    if (body) throw body;
  };
}

/** inputReader as middleware. */
export function readInput(limit: string): Koa.Middleware {
  const read = inputReader(limit);
  return async (ctx, next) => {
    await read(ctx);
    await next();
  };
}
