// The hot path for cached tiles (tiles/hot-path.ts) answers exactly as the app's route does —
// same status, bytes and headers, security headers included — and only for cache hits; every
// other request reaches the app, and a change drops a tile from the hot path as from the route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { testDb } from '../server/testing/db.js';
import { loadConfig } from '../server/config.js';
import { createApp, type AppDeps } from '../server/app.js';
import { createChangeFeed, type ChangeFeed } from '../server/live/changes.js';
import { ManualClock } from '../server/clock.js';
import type { Db } from '../server/db/db.js';
import { makeTileCity, addTicket, type TileCity } from '../server/testing/factories/tiles.js';
import { LAYERS } from './layers.js';
import { tileOf, type TileAddress } from './tile.js';
import { get, decodeTile, eventually, type RawResponse } from './testing.js';
import { tileHotPath } from './hot-path.js';

let db: Db;
let changes: ChangeFeed;
let server: http.Server;
let url: string;
let city: TileCity;
let toApp = 0;
const clock = new ManualClock('2026-11-23T09:00:00Z');

before(async () => {
  db = await testDb();
  city = await makeTileCity(db, clock.now());
  changes = await createChangeFeed(db);
  const deps: AppDeps = { db, config: { ...loadConfig({}), trustProxy: true }, changes, clock };
  const app = createApp(deps).callback();
  server = http.createServer(await tileHotPath(deps, (req, res) => { toApp++; void app(req, res); }));
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await changes.close();
  await db.close();
});

const ALL = LAYERS.map((l) => l.id).join(',');
const path = (layers: string, t: TileAddress) => `/tiles/${layers}/${t.z}/${t.x}/${t.y}.mvt`;
// Per connection or per moment, not per answer.
const VARYING = new Set(['date', 'connection', 'keep-alive']);
const headersOf = (r: RawResponse) => Object.fromEntries(Object.entries(r.headers).filter(([k]) => !VARYING.has(k)).sort(([a], [b]) => a.localeCompare(b)));

/** The first request (a miss, the app's route) and the second (a hit, the hot path), compared. */
async function assertSameAnswerTwice(p: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const before = toApp;
  const first = await get(url + p, headers);
  assert.equal(toApp, before + 1, `${p}: the first request went to the app`);
  const second = await get(url + p, headers);
  assert.equal(toApp, before + 1, `${p}: the second was answered from the cache before the app`);
  assert.equal(second.status, first.status, p);
  assert.deepEqual(headersOf(second), headersOf(first), p);
  assert.ok(second.raw.equals(first.raw), `${p}: the same bytes`);
  return second;
}

test('a cached tile is answered before the app with the status, bytes and headers the app gives it', async () => {
  const { a1 } = city.addresses;
  for (const z of [10, 14, 16]) {
    const t = tileOf(a1.at[0], a1.at[1], z);
    const gz = await assertSameAnswerTwice(path(ALL, t), { 'accept-encoding': 'gzip' });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers['x-content-type-options'], 'nosniff', 'the app\'s security headers too');
    assert.ok(decodeTile(gz.body).tickets, `z${z}: a tile with tickets`);
    const plain = await assertSameAnswerTwice(path('tickets,outages', t));
    assert.equal(plain.headers['content-encoding'], undefined);
  }
  // Behind TLS (as a trusted proxy says), with HSTS.
  const t = tileOf(a1.at[0], a1.at[1], 15);
  const tls = await assertSameAnswerTwice(path('tickets', t), { 'x-forwarded-proto': 'https', 'accept-encoding': 'gzip' });
  assert.ok(tls.headers['strict-transport-security']);
  // An empty tile, and a matching validator.
  await assertSameAnswerTwice('/tiles/tickets/16/0/0.mvt', { 'accept-encoding': 'gzip' });
  const etag = tls.headers.etag!;
  const before = toApp;
  const revalidated = await get(url + path('tickets', t), { 'accept-encoding': 'gzip', 'if-none-match': etag });
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.raw.length, 0);
  assert.equal(toApp, before, 'answered by the hot path');
});

test('misses, bad addresses, unknown layers, other methods and query strings reach the app', async () => {
  const t = tileOf(city.addresses.a2.at[0], city.addresses.a2.at[1], 13);
  await get(url + path('tickets', t));
  const cases: [string, string, number][] = [
    ['GET', '/tiles/tickets/23/0/0.mvt', 400],
    ['GET', '/tiles/tickets/3/8/0.mvt', 400],
    ['GET', '/tiles/nothing/3/0/0.mvt', 404],
    ['HEAD', path('tickets', t), 200],
    ['GET', `${path('tickets', t)}?v=2`, 200],
  ];
  for (const [method, p, status] of cases) {
    const before = toApp;
    const res = await new Promise<number>((resolve, reject) => {
      http.request(url + p, { method, agent: false }, (r) => { r.resume(); r.on('end', () => resolve(r.statusCode ?? 0)); }).on('error', reject).end();
    });
    assert.equal(res, status, `${method} ${p}`);
    assert.equal(toApp, before + 1, `${method} ${p} went to the app`);
  }
});

test('a change drops the tile from the hot path as it does from the route', async () => {
  const at = city.addresses.a3.at;
  const t = tileOf(at[0], at[1], 16);
  const ids = async () => (decodeTile((await get(url + path('tickets', t))).body).tickets ?? []).map((f) => f.properties.id);
  const before = await ids();
  await ids();
  const ticket = await addTicket(db, clock.now(), { at });
  try {
    await eventually(async () => ((await ids()).includes(ticket.id) ? true : undefined), 3_000, 'the new ticket in the cached tile');
  } finally {
    await db.sql('DELETE FROM tickets WHERE id = $id', { id: ticket.id });
  }
  await eventually(async () => ((await ids()).length === before.length ? true : undefined), 3_000, 'the ticket gone again');
});
