// Two real server processes on one primary, both reading from a hot standby: a change written on the primary redraws the cached tile and reaches the live stream of both, even while the standby lags.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgres } from './postgres.js';
import type { Db } from './db.js';
import { startPgPair, type PgPair } from '../testing/pg-standby.js';
import { startServerProcess, type ServerProcess } from '../testing/server-process.js';
import { connectLive } from '../testing/sse.js';
import { makeTileCity, addTicket, type LonLat } from '../testing/factories/tiles.js';
import { tileOf } from '../../tiles/tile.js';
import { get, decodeTile, eventually } from '../../tiles/testing.js';

let pair: PgPair;
let db: Db;
let servers: ServerProcess[] = [];

before(async () => {
  pair = await startPgPair();
  db = await openPostgres({ connectionString: pair.primaryUrl, poolSize: 2 });
  await makeTileCity(db, new Date());
  await pair.caughtUp();
  const env = { DATABASE_READ_URLS: pair.standbyUrl, DATABASE_READ_MAX_LAG_MS: '60000' };
  servers = await Promise.all([startServerProcess(pair.primaryUrl, env), startServerProcess(pair.primaryUrl, env)]);
});
after(async () => {
  for (const s of servers) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
  await db?.close();
  await pair?.destroy();
});

test('with the standby paused, a ticket written on the primary shows in the cached tile and the live stream of both processes', async () => {
  const at: LonLat = [36.3405, 50.0361];
  const t = tileOf(at[0], at[1], 16);
  const ids = async (s: ServerProcess) => (decodeTile((await get(`${s.url}/tiles/tickets/${t.z}/${t.x}/${t.y}.mvt`)).body).tickets ?? []).map((f) => f.properties.id);
  // Both caches hold the tile before the change.
  for (const s of servers) assert.deepEqual(await ids(s), []);
  const live = await Promise.all(servers.map((s) => connectLive(`${s.url}/api/live`)));
  // The standby lags (paused) but stays within the generous bound: only the NOTIFY keeps reads off it.
  await pair.pauseReplay();
  try {
    const ticket = await addTicket(db, new Date(), { at });
    for (const [i, s] of servers.entries()) {
      await live[i]!.waitFor('ticket', (d) => String((d as { service_request_id: string }).service_request_id) === String(ticket.id), 10_000);
      await eventually(async () => ((await ids(s)).includes(ticket.id) ? true : undefined), 5_000, `the ticket in the tile of process ${i + 1}`);
    }
  } finally {
    for (const l of live) l.close();
    await pair.resumeReplay();
  }
});
