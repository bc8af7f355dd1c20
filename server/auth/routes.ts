// /api/auth: log in (session cookie + CSRF token), log out, who am I.
import Router from '@koa/router';
import type { Db } from '../db/db.js';
import type { Clock } from '../clock.js';
import { badRequest, Problem, type FieldError } from '../http/problem.js';
import { currentUser, SESSION_COOKIE, type Session } from './middleware.js';
import { logIn, logOut } from './login.js';

export function authRoutes(db: Db, clock: Clock): Router {
  const router = new Router({ prefix: '/api/auth' });

  router.post('/login', async (ctx) => {
    // JSON only: a cross-site HTML form cannot send it, which closes login CSRF.
    if (!ctx.is('application/json')) throw new Problem(415, 'unsupported-media-type', 'Send JSON', 'POST /api/auth/login takes application/json.');
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const errors: FieldError[] = [];
    const { login, password } = body;
    if (typeof login !== 'string' || login.trim() === '' || login.length > 200) errors.push({ field: 'login', message: 'a login of 1 to 200 characters' });
    if (typeof password !== 'string' || password === '' || password.length > 1000) errors.push({ field: 'password', message: 'a password of 1 to 1000 characters' });
    if (errors.length > 0) throw badRequest('Give a login and a password.', errors);
    const result = await logIn(db, { login: login as string, password: password as string, clientAddress: ctx.ip, now: clock.now() });
    ctx.cookies.set(SESSION_COOKIE, result.token, {
      httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', expires: result.expiresAt, overwrite: true,
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { user: result.user, csrfToken: result.csrfToken, expiresAt: result.expiresAt.toISOString() };
  });

  router.post('/logout', async (ctx) => {
    const session = ctx.state.session as Session | undefined;
    if (session) await logOut(db, session.tokenHash, currentUser(ctx).id);
    ctx.cookies.set(SESSION_COOKIE, null, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', overwrite: true });
    ctx.status = 204;
  });

  router.get('/me', async (ctx) => {
    const user = currentUser(ctx);
    const session = ctx.state.session as Session;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { user, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() };
  });

  return router;
}
