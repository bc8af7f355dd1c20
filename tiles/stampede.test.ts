// A stampede: 64 simultaneous requests for one tile nobody has asked for yet are answered from
// one computation, one database statement.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../server/testing/db.js';
import { startTestServer, type TestServer } from '../server/testing/server.js';
import { ManualClock } from '../server/clock.js';
import type { Db, Queryable } from '../server/db/db.js';
import { makeTileCity } from '../server/testing/factories/tiles.js';
import { LAYERS } from './layers.js';
import { createTileService, tileServiceFor } from './service.js';
import { tileOf } from './tile.js';
import { get } from './testing.js';

let db: Db;
let counting: Db;
let server: TestServer;
let tileStatements = 0;
let readerTileStatements = 0;
const clock = new ManualClock('2026-11-23T09:00:00Z');

before(async () => {
  db = await testDb();
  await makeTileCity(db, clock.now());
  // The app's database, counting the tile statements that reach it, on the primary or through
  // db.reader() (where tiles are drawn: a replica when there is one).
  const counted = <Q extends Queryable>(q: Q, onReader: boolean): Q => Object.assign(Object.create(q) as Q, {
    sql: (text: string, params?: Record<string, unknown>) => {
      if (text.startsWith('WITH bounds AS')) {
        tileStatements++;
        if (onReader) readerTileStatements++;
      }
      return q.sql(text, params);
    },
  });
  const reader = counted(db.reader(), true);
  counting = Object.assign(counted(db, false), { reader: () => reader });
  server = await startTestServer(counting, { clock });
});
after(async () => {
  await server.close();
  await db.close();
});

test('64 simultaneous requests for one uncached tile make exactly one database query', async () => {
  const service = tileServiceFor(server.deps);
  const t = tileOf(36.3452, 50.0301, 15);
  const url = `${server.url}/tiles/${LAYERS.map((l) => l.id).join(',')}/${t.z}/${t.x}/${t.y}.mvt`;
  const before = service.stats();
  const responses = await Promise.all(Array.from({ length: 64 }, () => get(url)));
  const after = service.stats();
  assert.ok(responses.every((r) => r.status === 200));
  assert.equal(new Set(responses.map((r) => r.headers.etag)).size, 1);
  assert.ok(responses.every((r) => r.body.equals(responses[0]!.body)));
  assert.equal(after.renders - before.renders, 1);
  assert.equal(tileStatements, 1);
  // Tiles are drawn through db.reader(): from a replica when the server has one.
  assert.equal(readerTileStatements, 1);
  // Whoever did not start the computation waited for it or found its result.
  assert.equal((after.joined - before.joined) + (after.hits - before.hits), 63);
});

test('with the cache off every request renders its own tile (the uncached server of the benchmark)', async () => {
  const service = createTileService({ db: counting, clock, cache: false });
  const t = tileOf(36.3452, 50.0301, 16);
  const before = tileStatements;
  const tiles = await Promise.all(Array.from({ length: 4 }, () => service.get(LAYERS, t)));
  await service.get(LAYERS, t);
  assert.equal(tileStatements - before, 5);
  assert.equal(service.stats().renders, 5);
  assert.equal(service.stats().entries, 0);
  assert.ok(tiles[0]!.raw.length > 0 && tiles.every((x) => x.hash === tiles[0]!.hash));
  service.close();
});
