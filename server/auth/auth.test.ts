// Logging in and out through the real app: sessions, lockout, expiry, CSRF, password hashing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createUser, TEST_PASSWORD } from '../testing/factories/auth.js';
import { ManualClock, MINUTE } from '../clock.js';
import { hashPassword, verifyPassword } from './password.js';
import { LOCKOUT_MS, MAX_FAILED_LOGINS, SESSION_TTL_MS } from './login.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
before(async () => { db = await testDb(); server = await startTestServer(db, { clock }); });
after(async () => { await server.close(); await db.close(); });

// Each login test comes from its own address so the per-address limit does not mix tests.
let addressCounter = 0;
function login(body: unknown, extra: Record<string, string> = {}) {
  addressCounter += 1;
  return fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Forwarded-For': `10.0.0.${addressCounter}`, ...extra },
    body: JSON.stringify(body),
  });
}

function sessionCookie(res: Response): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith('misto_session='));
}

test('the right password logs in: 200 with the user, a CSRF token and an httpOnly SameSite=Lax cookie', async () => {
  const user = await createUser(db, { role: 'operator', login: 'olena.operator' });
  const res = await login({ login: 'olena.operator', password: TEST_PASSWORD });
  assert.equal(res.status, 200);
  const body = await res.json() as { user: { id: number; role: string; login: string; displayName: string; organisationId: null }; csrfToken: string };
  assert.deepEqual(body.user, { id: user.id, login: 'olena.operator', displayName: user.displayName, role: 'operator', organisationId: null });
  assert.ok(body.csrfToken.length >= 32);
  const cookie = sessionCookie(res);
  assert.ok(cookie);
  assert.match(cookie, /httponly/i);
  assert.match(cookie, /samesite=lax/i);
  assert.doesNotMatch(cookie, /secure/i, 'plain http gets no Secure flag');
  const stored = await db.sql<{ token_hash: string }>('SELECT token_hash FROM sessions WHERE user_id = $id', { id: user.id });
  assert.equal(stored.length, 1);
  assert.ok(!cookie.includes(stored[0]!.token_hash), 'the table keeps a hash, not the cookie');
});

test('a login over https (behind a proxy) gets a Secure cookie', async () => {
  await createUser(db, { role: 'operator', login: 'secure.operator' });
  const res = await login({ login: 'secure.operator', password: TEST_PASSWORD }, { 'X-Forwarded-Proto': 'https' });
  assert.equal(res.status, 200);
  assert.match(sessionCookie(res) ?? '', /;\s*secure/i);
});

test('a wrong password and an unknown login get the same 401 answer', async () => {
  await createUser(db, { role: 'supervisor', login: 'sofia.supervisor' });
  const wrong = await login({ login: 'sofia.supervisor', password: 'nope' });
  const unknown = await login({ login: 'nobody.here', password: 'nope' });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.deepEqual(await wrong.json(), await unknown.json());
  assert.equal(sessionCookie(wrong), undefined);
});

test('a login form without a password is a 400 with field errors, and a form-encoded login is refused', async () => {
  const res = await login({ login: 'x' });
  assert.equal(res.status, 400);
  const body = await res.json() as { errors: { field: string }[] };
  assert.deepEqual(body.errors.map((e) => e.field), ['password']);
  const form = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `login=x&password=${encodeURIComponent(TEST_PASSWORD)}`,
  });
  assert.equal(form.status, 415);
});

test(`${MAX_FAILED_LOGINS} wrong passwords lock the login, even against the right one, until the lock runs out`, async () => {
  await createUser(db, { role: 'operator', login: 'locked.operator' });
  for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
    assert.equal((await login({ login: 'locked.operator', password: `wrong-${i}` })).status, 401);
  }
  const locked = await login({ login: 'locked.operator', password: TEST_PASSWORD });
  assert.equal(locked.status, 429);
  assert.ok(Number(locked.headers.get('retry-after')) > 0);
  const [row] = await db.sql<{ failed_logins: number; locked_until: Date }>("SELECT failed_logins, locked_until FROM users WHERE login = 'locked.operator'");
  assert.equal(row!.failed_logins, MAX_FAILED_LOGINS);
  assert.equal(row!.locked_until.getTime(), clock.now().getTime() + LOCKOUT_MS);

  clock.advance(LOCKOUT_MS + MINUTE);
  try {
    const res = await login({ login: 'locked.operator', password: TEST_PASSWORD });
    assert.equal(res.status, 200);
    const [after] = await db.sql<{ failed_logins: number; locked_until: Date | null }>("SELECT failed_logins, locked_until FROM users WHERE login = 'locked.operator'");
    assert.deepEqual(after, { failed_logins: 0, locked_until: null });
  } finally {
    clock.set('2026-11-23T09:00:00Z');
  }
});

test('an unknown login locks after as many failures as a known one, so lockout does not reveal which logins exist', async () => {
  clock.set('2026-11-23T10:00:00Z');
  try {
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
      assert.equal((await login({ login: 'ghost.user', password: `wrong-${i}` })).status, 401);
    }
    assert.equal((await login({ login: 'ghost.user', password: 'again' })).status, 429);
  } finally {
    clock.set('2026-11-23T09:00:00Z');
  }
});

test('too many attempts from one address in a minute are refused with 429', async () => {
  clock.set('2026-11-23T11:00:00Z');
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      const res = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Forwarded-For': '192.0.2.77' },
        body: JSON.stringify({ login: `guess-${i}`, password: 'x' }),
      });
      statuses.push(res.status);
    }
    assert.equal(statuses.filter((s) => s === 401).length, 30);
    assert.deepEqual(statuses.slice(30), [429, 429]);
  } finally {
    clock.set('2026-11-23T09:00:00Z');
  }
});

test('a disabled user cannot log in', async () => {
  await createUser(db, { role: 'operator', login: 'gone.operator', disabled: true });
  assert.equal((await login({ login: 'gone.operator', password: TEST_PASSWORD })).status, 401);
});

test('GET /api/auth/me answers the user and CSRF token with a session, and 401 without', async () => {
  const { user, headers } = await loginAs(db, server.url, 'executor');
  const res = await fetch(`${server.url}/api/auth/me`, { headers: { Cookie: headers.Cookie! } });
  assert.equal(res.status, 200);
  const body = await res.json() as { user: { id: number; organisationId: number }; csrfToken: string };
  assert.equal(body.user.id, user.id);
  assert.equal(body.user.organisationId, user.organisationId);
  assert.equal(body.csrfToken, headers['X-CSRF-Token']);
  const anonymous = await fetch(`${server.url}/api/auth/me`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get('content-type'), 'application/problem+json');
  assert.equal((await fetch(`${server.url}/api/auth/me`, { headers: { Cookie: 'misto_session=forged' } })).status, 401);
});

test('a session expires after its lifetime', async () => {
  const { headers } = await loginAs(db, server.url, 'inspector');
  clock.advance(SESSION_TTL_MS - MINUTE);
  try {
    assert.equal((await fetch(`${server.url}/api/auth/me`, { headers })).status, 200);
    clock.advance(2 * MINUTE);
    const res = await fetch(`${server.url}/api/auth/me`, { headers });
    assert.equal(res.status, 401);
    assert.match(sessionCookie(res) ?? '', /expires=Thu, 01 Jan 1970/i, 'the stale cookie is cleared');
  } finally {
    clock.set('2026-11-23T09:00:00Z');
  }
});

test('logout ends the session: the same cookie no longer works', async () => {
  const { headers } = await loginAs(db, server.url, 'supervisor');
  const res = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers });
  assert.equal(res.status, 204);
  assert.equal((await fetch(`${server.url}/api/auth/me`, { headers })).status, 401);
  assert.equal((await fetch(`${server.url}/api/auth/logout`, { method: 'POST' })).status, 204, 'logging out twice is harmless');
});

test('a cookie-authenticated write without the CSRF header, or with a wrong one, is a 403 and changes nothing', async () => {
  const { headers } = await loginAs(db, server.url, 'operator');
  const missing = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { Cookie: headers.Cookie! } });
  assert.equal(missing.status, 403);
  assert.equal(missing.headers.get('content-type'), 'application/problem+json');
  const wrong = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { Cookie: headers.Cookie!, 'X-CSRF-Token': 'x'.repeat(43) } });
  assert.equal(wrong.status, 403);
  assert.equal((await fetch(`${server.url}/api/auth/me`, { headers })).status, 200, 'the session survived both');
});

test('a session can log in again as someone else without its CSRF token (login takes no authority from the cookie)', async () => {
  const { headers } = await loginAs(db, server.url, 'operator');
  await createUser(db, { role: 'inspector', login: 'ivan.inspector' });
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST', headers: { Cookie: headers.Cookie!, 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'ivan.inspector', password: TEST_PASSWORD }),
  });
  assert.equal(res.status, 200);
});

test('passwords are stored as scrypt hashes that verify only the right password', async () => {
  const hash = await hashPassword('пароль-1562');
  assert.match(hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
  assert.equal(await verifyPassword('пароль-1562', hash), true);
  assert.equal(await verifyPassword('пароль-1563', hash), false);
  assert.notEqual(await hashPassword('пароль-1562'), hash, 'each hash has its own salt');
  const [row] = await db.sql<{ password_hash: string }>("SELECT password_hash FROM users WHERE login = 'olena.operator'");
  assert.match(row!.password_hash, /^scrypt\$/);
  const audit = await db.sql<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE table_name = 'users' AND (new_row ? 'password_hash' OR old_row ? 'password_hash')");
  assert.equal(audit[0]!.n, 0, 'the audit trail never holds a password hash');
});
