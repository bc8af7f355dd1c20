// Logging in and out: password check with lockout, per-address rate limit, session rows.
import { randomBytes } from 'node:crypto';
import { maybeOne, one, type Db, type Queryable } from '../db/db.js';
import { setActor } from '../db/actor.js';
import { MINUTE, HOUR } from '../clock.js';
import { Problem } from '../http/problem.js';
import { hashPassword, verifyPassword } from './password.js';
import { hashToken, toUser, type User, type UserRow } from './middleware.js';

/** A session lasts one working shift and a bit; then the user logs in again. */
export const SESSION_TTL_MS = 12 * HOUR;
/** Consecutive wrong passwords that lock a login, and for how long. */
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * MINUTE;
/** Login attempts one client address may make per minute, whatever the login. */
export const LOGIN_ATTEMPTS_PER_MINUTE_PER_ADDRESS = 30;

export interface LoginResult {
  user: User;
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

// Unknown logins are verified against this hash so that they take as long as known ones.
let dummyHash: Promise<string> | undefined;
function timingDummy(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

const wrongCredentials = () => new Problem(401, 'wrong-credentials', 'Wrong login or password', 'The login or the password is wrong.');

function tooMany(detail: string, until: Date, now: Date): Problem {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new Problem(429, 'too-many-requests', 'Too many attempts', detail, undefined, { 'Retry-After': String(seconds) });
}

function windowStart(now: Date, windowMs: number): Date {
  return new Date(Math.floor(now.getTime() / windowMs) * windowMs);
}

async function hit(tx: Queryable, bucket: string, now: Date, windowMs: number): Promise<number> {
  const row = await one<{ hits: number }>(tx, 'auth/rate-limit-hit', { bucket, windowStart: windowStart(now, windowMs) });
  return Number(row.hits);
}

type Outcome = { ok: LoginResult } | { problem: Problem };

/**
 * Checks a login and password and opens a session. Failures are committed (they count towards
 * the lockout) and then thrown as problems; an unknown login costs one hash like a known one,
 * and locks the same way (counted in rate_limits), so answers do not tell which logins exist.
 */
export async function logIn(db: Db, input: { login: string; password: string; clientAddress: string; now: Date }): Promise<LoginResult> {
  const { now } = input;
  const login = input.login.trim().toLowerCase();
  const outcome = await db.transaction<Outcome>(async (tx) => {
    await setActor(tx, `login:${input.clientAddress}`);
    const addressHits = await hit(tx, `login-address:${input.clientAddress}`, now, MINUTE);
    if (addressHits > LOGIN_ATTEMPTS_PER_MINUTE_PER_ADDRESS) {
      return { problem: tooMany('Too many login attempts from this address; wait a minute.', new Date(windowStart(now, MINUTE).getTime() + MINUTE), now) };
    }
    const row = await maybeOne<UserRow & { password_hash: string; disabled: boolean; failed_logins: number; locked_until: Date | null }>(
      tx, 'auth/user-by-login', { login });
    const lockedMessage = 'Too many wrong passwords for this login; try again later.';
    if (!row) {
      const bucket = `login-unknown:${login}`;
      const lockWindow = windowStart(now, LOCKOUT_MS);
      const failures = Number((await one<{ hits: number }>(tx, 'auth/rate-limit-hits', { bucket, windowStart: lockWindow })).hits);
      if (failures >= MAX_FAILED_LOGINS) return { problem: tooMany(lockedMessage, new Date(lockWindow.getTime() + LOCKOUT_MS), now) };
      await verifyPassword(input.password, await timingDummy());
      await hit(tx, bucket, now, LOCKOUT_MS);
      return { problem: wrongCredentials() };
    }
    if (row.locked_until && row.locked_until > now) return { problem: tooMany(lockedMessage, row.locked_until, now) };
    const ok = await verifyPassword(input.password, row.password_hash);
    if (!ok || row.disabled) {
      if (!ok) {
        await tx.query('auth/login-failed', {
          userId: row.id, maxFailures: MAX_FAILED_LOGINS, lockedUntil: new Date(now.getTime() + LOCKOUT_MS),
        });
      }
      return { problem: wrongCredentials() };
    }
    if (row.failed_logins > 0 || row.locked_until) await tx.query('auth/login-succeeded', { userId: row.id });
    await setActor(tx, `user:${row.id}`);
    await tx.query('auth/sessions-delete-expired', { userId: row.id, now });
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await tx.query('auth/session-insert', { tokenHash: hashToken(token), userId: row.id, csrfToken, now, expiresAt });
    return { ok: { user: toUser(row), token, csrfToken, expiresAt } };
  });
  if ('problem' in outcome) throw outcome.problem;
  return outcome.ok;
}

export async function logOut(db: Db, tokenHash: string, userId: number): Promise<void> {
  await db.transaction(async (tx) => {
    await setActor(tx, `user:${userId}`);
    await tx.query('auth/session-delete', { tokenHash });
  });
}
