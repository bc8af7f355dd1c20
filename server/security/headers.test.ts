// Security headers on every kind of answer: a CSP MapLibre can live with, no framing or sniffing, HSTS only behind TLS, and no server banner.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createAddress } from '../testing/factories/tickets.js';
import type { Db } from '../db/db.js';
import { rawRequest } from './raw-request.js';

let db: Db;
let server: TestServer;
let staff: Record<string, string>;

before(async () => {
  db = await testDb();
  server = await startTestServer(db);
  staff = (await loginAs(db, server.url, 'operator')).headers;
});
after(async () => { await server.close(); await db.close(); });

/** One request of each kind of answer the server gives: the web app, JSON, problems, tiles, Open311 XML, a refused method, a too-large body. */
const KINDS: { name: string; method: string; path: string; headers?: Record<string, string>; body?: string; status: number }[] = [
  { name: 'the web app', method: 'GET', path: '/', status: 200 },
  { name: 'a JSON answer', method: 'GET', path: '/health', status: 200 },
  { name: 'a 401 problem', method: 'GET', path: '/api/tickets', status: 401 },
  { name: 'a 404 problem', method: 'GET', path: '/api/outages/999999', status: 404 },
  { name: 'a 400 problem', method: 'GET', path: '/api/affected?lon=x', status: 400 },
  { name: 'TileJSON', method: 'GET', path: '/tiles/outages.json', status: 200 },
  { name: 'an empty tile', method: 'GET', path: '/tiles/outages/3/1/1.mvt', status: 204 },
  { name: 'Open311 XML', method: 'GET', path: '/open311/v2/discovery.xml', status: 200 },
  { name: 'a refused method', method: 'TRACE', path: '/', status: 405 },
  { name: 'a too-large body', method: 'POST', path: '/api/public/tickets', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ d: 'x'.repeat(300 * 1024) }), status: 413 },
];

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name!, values]));
}

function assertHardened(h: IncomingHttpHeaders, what: string) {
  assert.equal(h['x-content-type-options'], 'nosniff', what);
  assert.equal(h['x-frame-options'], 'DENY', what);
  assert.equal(h['referrer-policy'], 'strict-origin-when-cross-origin', what);
  assert.equal(h['x-powered-by'], undefined, `${what}: no X-Powered-By`);
  assert.equal(h.server, undefined, `${what}: no Server banner`);
  const csp = directives(String(h['content-security-policy'] ?? ''));
  assert.deepEqual(csp.get('default-src'), ["'self'"], what);
  assert.deepEqual(csp.get('script-src'), ["'self'"], `${what}: scripts only from this origin, none inline, no eval`);
  assert.deepEqual(csp.get('object-src'), ["'none'"], what);
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"], what);
  assert.deepEqual(csp.get('base-uri'), ["'self'"], what);
  // MapLibre: its workers start from blob: URLs, and sprites and rasters come through data: and blob: images.
  assert.ok(csp.get('worker-src')?.includes('blob:'), `${what}: worker-src blob:`);
  assert.ok(csp.get('img-src')?.includes('data:') && csp.get('img-src')?.includes('blob:'), `${what}: img-src data: blob:`);
  assert.ok(!csp.get('connect-src')?.includes('*'), `${what}: connect-src names origins`);
}

for (const kind of KINDS) {
  test(`${kind.name} (${kind.method} ${kind.path} → ${kind.status}) carries the security headers, and HSTS only behind TLS`, async () => {
    const plain = await rawRequest(server.url, { method: kind.method, path: kind.path, headers: kind.headers, body: kind.body });
    assert.equal(plain.status, kind.status, plain.body.slice(0, 200));
    assertHardened(plain.headers, kind.name);
    assert.equal(plain.headers['strict-transport-security'], undefined, 'plain http gets no HSTS');
    const tls = await rawRequest(server.url, { method: kind.method, path: kind.path, headers: { ...kind.headers, 'x-forwarded-proto': 'https' }, body: kind.body });
    assert.equal(tls.status, kind.status);
    assertHardened(tls.headers, `${kind.name} over TLS`);
    const hsts = String(tls.headers['strict-transport-security'] ?? '');
    const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0);
    assert.ok(maxAge >= 31_536_000, `HSTS for at least a year behind TLS: "${hsts}"`);
  });
}

test('the live stream, which writes its own head, still says nosniff and sends no banner', async () => {
  const res = await rawRequest(server.url, { method: 'GET', path: '/api/live' });
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^text\/event-stream/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers.server, undefined);
  assert.equal(res.headers['x-powered-by'], undefined);
});

test('a cross-site form post with the session cookie cannot act: no CSRF token, no write', async () => {
  const { id: addressId } = await createAddress(db, { lon: 36.35, lat: 50.03 });
  const count = async () => (await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM telephonograms'))[0]!.n;
  // What a hostile page can make a browser send if SameSite were ever relaxed: the cookie, a form body, a foreign Origin, no custom header.
  const forged = await rawRequest(server.url, {
    method: 'POST', path: '/api/telephonograms',
    headers: { cookie: staff.Cookie!, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    body: `address_ids[0]=${addressId}&text=${encodeURIComponent('Підроблене повідомлення')}`,
  });
  assert.equal(forged.status, 403);
  assert.match(forged.body, /X-CSRF-Token/);
  assert.equal(await count(), 0);
  // The same write from the app itself, with the token, goes through: the refusal above was the CSRF check, not the form.
  const real = await rawRequest(server.url, {
    method: 'POST', path: '/api/telephonograms',
    headers: { cookie: staff.Cookie!, 'x-csrf-token': staff['X-CSRF-Token']!, 'content-type': 'application/json' },
    body: JSON.stringify({ address_ids: [addressId], text: 'Справжнє повідомлення' }),
  });
  assert.equal(real.status, 201, real.body);
  assert.equal(await count(), 1);
});

test('the session cookie is HttpOnly and SameSite=Lax, and Secure behind TLS, so other sites\' pages neither read nor send it on a POST', async () => {
  await loginAs(db, server.url, 'inspector', { login: 'cookie.inspector' });
  const res = await rawRequest(server.url, {
    method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
    body: JSON.stringify({ login: 'cookie.inspector', password: 'correct horse battery staple' }),
  });
  assert.equal(res.status, 200);
  const cookie = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('misto_session='));
  assert.ok(cookie);
  assert.match(cookie, /;\s*httponly/i);
  assert.match(cookie, /;\s*samesite=lax/i);
  assert.match(cookie, /;\s*secure/i);
  assert.equal(res.headers['cache-control'], 'no-store', 'the answer with the CSRF token is not cached');
});

test('a server not told it is behind a proxy believes no X-Forwarded header: no HSTS, no Secure cookie, and the lockout counts the real address', async () => {
  const direct = await startTestServer(db, { config: { trustProxy: false } });
  try {
    const tls = await rawRequest(direct.url, { method: 'GET', path: '/health', headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(tls.status, 200);
    assert.equal(tls.headers['strict-transport-security'], undefined);
    // A wrong password with a claimed address: the per-address login limit counts the real one.
    const claimed = '203.0.113.77';
    const res = await rawRequest(direct.url, {
      method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json', 'x-forwarded-for': claimed },
      body: JSON.stringify({ login: 'nobody.direct', password: 'wrong' }),
    });
    assert.equal(res.status, 401, res.body);
    const buckets = (await db.sql<{ bucket: string }>("SELECT bucket FROM rate_limits WHERE bucket LIKE 'login-address:%'")).map((r) => r.bucket);
    assert.ok(!buckets.includes(`login-address:${claimed}`), `the claimed address was believed: ${buckets.join(', ')}`);
    assert.ok(buckets.some((b) => /127\.0\.0\.1$/.test(b)), `the real address was not counted: ${buckets.join(', ')}`);
  } finally {
    await direct.close();
  }
});
