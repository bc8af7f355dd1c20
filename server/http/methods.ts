// The HTTP methods Misto answers; any other (TRACE, PROPFIND, …) is refused with 405 before routing, so that a 5xx always means a fault on our side (the router would say 501).
import type Koa from 'koa';
import { Problem } from './problem.js';

export const METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function knownMethods(): Koa.Middleware {
  const allow = METHODS.join(', ');
  return async (ctx, next) => {
    if (!METHODS.includes(ctx.method)) {
      throw new Problem(405, 'method-not-allowed', 'Method not allowed', `${ctx.method.slice(0, 20)} is not a method this server answers.`, undefined, { Allow: allow });
    }
    await next();
  };
}
