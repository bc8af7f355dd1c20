// What the fuzz found, pinned down: unreadable bodies, text PostgreSQL cannot store, runaway nesting, unknown methods and ids past integer columns all get a 4xx, never a 5xx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createCategory, ensureContactCentre } from '../testing/factories/auth.js';
import type { Db } from '../db/db.js';
import { MAX_INPUT_DEPTH, unusableInput } from '../http/input.js';
import { rawRequest } from './raw-request.js';
import { deepNesting } from './hostile.js';

let db: Db;
let server: TestServer;
let admin: Record<string, string>;

before(async () => {
  db = await testDb();
  server = await startTestServer(db);
  admin = (await loginAs(db, server.url, 'admin')).headers;
  // A real category and the default executor: a request that passes the checks would be filed, so a wrong pass shows.
  await createCategory(db, { code: 'pothole' });
  await ensureContactCentre(db);
});
after(async () => { await server.close(); await db.close(); });

const post = (path: string, headers: Record<string, string>, body: string | Buffer) =>
  rawRequest(server.url, { method: 'POST', path, headers: { cookie: admin.Cookie!, 'x-csrf-token': admin['X-CSRF-Token']!, ...headers }, body });

test('unusableInput finds a NUL or a lone surrogate in any value or key, and nesting past the limit; ordinary text in any script passes', () => {
  assert.equal(unusableInput({ name: 'Олена 👩‍🔧 עברית', list: [1, 'ok', { a: null }] }, 'body'), undefined);
  assert.deepEqual(unusableInput({ zone: { text: 'a\u0000b' } }, 'body')?.errors?.[0]?.field, 'zone.text');
  assert.deepEqual(unusableInput({ list: ['ok', '\uD800'] }, 'body')?.errors?.[0]?.field, 'list.1');
  assert.ok(unusableInput({ ['a\u0000']: 1 }, 'body'));
  assert.ok(unusableInput({ q: ['x', 'y\uDC00'] }, 'query'));
  assert.equal(unusableInput(JSON.parse(deepNesting(MAX_INPUT_DEPTH - 1, 'array')), 'body'), undefined);
  assert.equal(unusableInput(JSON.parse(deepNesting(100_000, 'array')), 'body')?.status, 400, 'checked without recursion: no stack overflow');
});

test('a NUL in a text field is a 400 naming the field, on routes whose own checks let it through to SQL before', async () => {
  for (const [path, body, field] of [
    ['/api/admin/api-keys', { name: 'a\u0000b' }, 'name'],
    ['/api/auth/login', { login: 'a\u0000b', password: 'x' }, 'login'],
    ['/api/admin/users', { login: 'nul.user', display_name: 'a\u0000b', role: 'inspector', password: 'a long enough password' }, 'display_name'],
  ] as const) {
    const res = await post(path, { 'content-type': 'application/json' }, JSON.stringify(body));
    assert.equal(res.status, 400, `${path}: ${res.body}`);
    assert.equal((JSON.parse(res.body) as { errors: { field: string }[] }).errors[0]!.field, field);
  }
  const query = await rawRequest(server.url, { method: 'GET', path: '/api/addresses?q=a%00b' });
  assert.equal(query.status, 400, query.body);
  const open311 = await rawRequest(server.url, { method: 'POST', path: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'api_key=test-key&description=a%00b' });
  assert.equal(open311.status, 400, open311.body);
  assert.match(open311.body, /^\[\{"code":400/, 'Open311 answers in its own error format');
});

test('a body that does not decode (bad gzip, bad deflate, bad brotli, unknown coding) is a 4xx; a real gzip body is read', async () => {
  for (const encoding of ['gzip', 'deflate', 'br']) {
    const res = await post('/api/admin/api-keys', { 'content-type': 'application/json', 'content-encoding': encoding }, 'not compressed at all');
    assert.equal(res.status, 400, `${encoding}: ${res.body}`);
  }
  const unknown = await post('/api/admin/api-keys', { 'content-type': 'application/json', 'content-encoding': 'x-bogus' }, '{}');
  assert.ok(unknown.status >= 400 && unknown.status < 500, `x-bogus: ${unknown.status}`);
  const real = await post('/api/admin/api-keys', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(JSON.stringify({ name: 'Стиснутий' })));
  assert.equal(real.status, 201, real.body);
});

test('JSON nested past the limit is a 400 before any handler walks it, even with an Idempotency-Key (whose hashing walks the body)', async () => {
  const res = await rawRequest(server.url, {
    method: 'POST', path: '/api/public/tickets', headers: { 'content-type': 'application/json', 'idempotency-key': 'deep-1' },
    body: `{"category":"x","attributes":${deepNesting(5000, 'object')}}`,
  });
  assert.equal(res.status, 400, res.body);
  assert.match(res.body, /nested more than/);
});

test('a method the server does not answer (TRACE, PROPFIND) is a 405 with Allow, on the app and under Open311 alike', async () => {
  for (const [method, path] of [['TRACE', '/'], ['PROPFIND', '/api/tickets'], ['TRACE', '/open311/v2/discovery.json']] as const) {
    const res = await rawRequest(server.url, { method, path });
    assert.equal(res.status, 405, `${method} ${path}: ${res.body}`);
    assert.match(String(res.headers.allow), /GET/);
  }
});

test('ids past the integer columns (api keys, addresses, organisations) are a 4xx, not an SQL overflow', async () => {
  const big = '2147483648';
  const checks = [
    await rawRequest(server.url, { method: 'DELETE', path: `/api/admin/api-keys/${big}`, headers: { cookie: admin.Cookie!, 'x-csrf-token': admin['X-CSRF-Token']! } }),
    await rawRequest(server.url, { method: 'GET', path: `/api/addresses/${big}/affected` }),
    await rawRequest(server.url, { method: 'GET', path: `/api/addresses/${big}/card`, headers: { cookie: admin.Cookie! } }),
    await rawRequest(server.url, { method: 'GET', path: `/api/tickets?executor=${big}`, headers: { cookie: admin.Cookie! } }),
    await post('/api/objects', { 'content-type': 'application/json' }, JSON.stringify({ kind: 'manhole', geometry: { type: 'Point', coordinates: [36.35, 50.03] }, owner_id: Number(big), evidence_ref: 'Акт', evidence_date: '2026-01-01' })),
    await post('/api/public/tickets', { 'content-type': 'application/json' }, JSON.stringify({ category: 'pothole', address_id: Number(big) })),
  ];
  for (const res of checks) assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.body.slice(0, 200)}`);
});

test('a lat of null beside a lon is a missing lat (400), not a ticket without a place (500)', async () => {
  const res = await rawRequest(server.url, { method: 'POST', path: '/api/public/tickets', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ category: 'pothole', lon: 36.35, lat: null }) });
  assert.equal(res.status, 400, res.body);
  assert.match(res.body, /"field":"lat"/);
});

test('an outage zone drawn round the whole earth, or across the antimeridian, is a 400 naming the zone, not a PostGIS antipodal-edge error', async () => {
  for (const zone of [
    { polygon: { type: 'Polygon', coordinates: [[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]] } },
    { line: { type: 'LineString', coordinates: [[-179.9, 0], [179.9, 0]] }, buffer_m: 10 },
  ]) {
    const res = await post('/api/outages/preview', { 'content-type': 'application/json' }, JSON.stringify({ zone }));
    assert.equal(res.status, 400, res.body);
    assert.match(res.body, /spans more than/);
  }
});
