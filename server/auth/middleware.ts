// Who is asking: the session cookie → ctx.state.user, CSRF for cookie-authenticated writes, role checks.
import { createHash, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import { maybeOne, type Db } from '../db/db.js';
import type { Clock } from '../clock.js';
import { forbidden, unauthorized } from '../http/problem.js';

export type Role = 'operator' | 'executor' | 'supervisor' | 'inspector' | 'deputy' | 'admin';

export const ROLES: readonly Role[] = ['operator', 'executor', 'supervisor', 'inspector', 'deputy', 'admin'];

export interface User {
  id: number;
  login: string;
  displayName: string;
  role: Role;
  /** The executor organisation an executor acts for; null for the city's own staff. */
  organisationId: number | null;
}

export interface Session {
  tokenHash: string;
  csrfToken: string;
  expiresAt: Date;
}

export const SESSION_COOKIE = 'misto_session';
export const CSRF_HEADER = 'X-CSRF-Token';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// Login does not act with the existing session's authority (it opens a new one), and it takes
// only JSON, which a cross-site form cannot send.
const CSRF_EXEMPT_PATHS = new Set(['/api/auth/login']);

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface UserRow {
  id: number;
  login: string;
  display_name: string;
  role: Role;
  organisation_id: number | null;
}

export function toUser(row: UserRow): User {
  return { id: row.id, login: row.login, displayName: row.display_name, role: row.role, organisationId: row.organisation_id };
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Sets ctx.state.user (and ctx.state.session) from the session cookie; checks CSRF on writes. */
export function sessionMiddleware(db: Db, clock: Clock): Koa.Middleware {
  return async (ctx, next) => {
    ctx.state.user = undefined;
    ctx.state.session = undefined;
    const token = ctx.cookies.get(SESSION_COOKIE);
    if (token) {
      const row = await maybeOne<UserRow & { csrf_token: string; expires_at: Date }>(db, 'auth/session-user', {
        tokenHash: hashToken(token),
        now: clock.now(),
      });
      if (row) {
        const session: Session = { tokenHash: hashToken(token), csrfToken: row.csrf_token, expiresAt: row.expires_at };
        ctx.state.user = toUser(row);
        ctx.state.session = session;
        if (UNSAFE_METHODS.has(ctx.method) && !CSRF_EXEMPT_PATHS.has(ctx.path)) {
          const given = ctx.get(CSRF_HEADER);
          if (!given || !sameToken(given, session.csrfToken)) {
            throw forbidden(`A write with a session cookie needs the ${CSRF_HEADER} header from GET /api/auth/me or the login answer.`);
          }
        }
      } else {
        // An expired or ended session: drop the cookie so the browser stops sending it.
        ctx.cookies.set(SESSION_COOKIE, null, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/' });
      }
    }
    await next();
  };
}

/** The logged-in user or a 401 problem. */
export function currentUser(ctx: Koa.Context): User {
  const user = ctx.state.user as User | undefined;
  if (!user) throw unauthorized('Log in first (POST /api/auth/login).');
  return user;
}

/** Whether a role may act where `roles` are allowed; admin may act everywhere. */
export function hasRole(user: User, roles: readonly Role[]): boolean {
  return user.role === 'admin' || roles.includes(user.role);
}

/** 401 when nobody is logged in, 403 when the user's role is not one of `roles` (admin always passes). */
export function requireRole(...roles: Role[]): Koa.Middleware {
  return async (ctx, next) => {
    const user = currentUser(ctx);
    if (!hasRole(user, roles)) throw forbidden(`This needs the role ${roles.join(' or ')}; you are ${user.role}.`);
    await next();
  };
}
