// Two server processes on one database stay coherent: each has its own tile cache and its own
// LISTEN connection, and a change committed through either redraws the tile on both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../server/testing/db.js';
import { openPostgres } from '../server/db/postgres.js';
import { startTestServer, type TestServer } from '../server/testing/server.js';
import { ManualClock } from '../server/clock.js';
import type { Db } from '../server/db/db.js';
import { makeTileCity, addTicket, type LonLat } from '../server/testing/factories/tiles.js';
import { tileOf } from './tile.js';
import { get, decodeTile, eventually } from './testing.js';

let dbA: Db;
let dbB: Db;
let a: TestServer;
let b: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');

before(async () => {
  dbA = await testDb();
  await makeTileCity(dbA, clock.now());
  // A second pool and a second LISTEN connection on the same database, as a second process has.
  dbB = await openPostgres({ connectionString: (dbA as Db & { url: string }).url, poolSize: 3 });
  a = await startTestServer(dbA, { clock });
  b = await startTestServer(dbB, { clock });
});
after(async () => {
  await a.close();
  await b.close();
  await dbB.close();
  await dbA.close();
});

test('a ticket written through one server appears in the cached tiles of both', async () => {
  const at: LonLat = [36.3405, 50.0361];
  const t = tileOf(at[0], at[1], 16);
  const ids = async (server: TestServer) => (decodeTile((await get(`${server.url}/tiles/tickets/${t.z}/${t.x}/${t.y}.mvt`)).body).tickets ?? []).map((f) => f.properties.id);
  // Both caches hold the tile before the change.
  assert.deepEqual(await ids(a), []);
  assert.deepEqual(await ids(b), []);
  const ticket = await addTicket(dbB, clock.now(), { at });
  for (const server of [a, b]) {
    await eventually(async () => ((await ids(server)).includes(ticket.id) ? true : undefined), 3_000, 'the ticket on both servers');
  }
  await dbA.sql("UPDATE tickets SET status = 'rejected' WHERE id = $id", { id: ticket.id });
  for (const server of [a, b]) {
    await eventually(async () => ((await ids(server)).length === 0 ? true : undefined), 3_000, 'the rejected ticket gone from both');
  }
});
