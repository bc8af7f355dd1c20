// The counters behind the low-zoom ticket clusters (ticket_map_cells, migration 0011): kept by
// triggers through every kind of change, untouched by changes the map does not show, rebuilt
// after a load without triggers, and read with the clock deciding what is closed recently
// enough and what is overdue, in cached tiles too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../server/testing/db.js';
import { startTestServer, type TestServer } from '../server/testing/server.js';
import { ManualClock, HOUR, DAY } from '../server/clock.js';
import type { Db } from '../server/db/db.js';
import { makeTileCity, addTicket, type LonLat } from '../server/testing/factories/tiles.js';
import { resolveLayers } from './layers.js';
import { encoderFor, renderTile } from './render.js';
import { tileOf } from './tile.js';
import { decodeTile, get } from './testing.js';

let db: Db;
let server: TestServer;
const clock = new ManualClock('2026-11-23T01:00:00Z');
const start = clock.now();

before(async () => {
  db = await testDb();
  await makeTileCity(db, start);
  server = await startTestServer(db, { clock });
});
after(async () => {
  await server.close();
  await db.close();
});

interface Counter { z: number; x: number; y: number; kind: string; day: number; n: number; sum_mx: number; sum_my: number }
const counters = async (): Promise<Counter[]> =>
  db.sql<Counter>('SELECT z, x, y, kind, day, n, sum_mx, sum_my FROM ticket_map_cells WHERE n <> 0 ORDER BY z, x, y, kind, day');

/** The counters as the triggers left them, next to a count of every ticket from scratch. */
async function assertCountersRecount(what: string) {
  const kept = await counters();
  let recounted: Counter[] = [];
  // Rebuilt inside a transaction that is rolled back, so the triggers' counters stay under test.
  await db.transaction(async (tx) => {
    await tx.sql('SELECT misto_ticket_map_cells_rebuild()');
    recounted = await tx.sql<Counter>('SELECT z, x, y, kind, day, n, sum_mx, sum_my FROM ticket_map_cells WHERE n <> 0 ORDER BY z, x, y, kind, day');
    throw new RollBack();
  }).catch((err: unknown) => { if (!(err instanceof RollBack)) throw err; });
  assert.ok(recounted.length > 0, 'there is something to count');
  const key = (c: Counter) => `${c.z}/${c.x}/${c.y}/${c.kind}/${c.day}`;
  assert.deepEqual(kept.map((c) => `${key(c)} × ${c.n}`), recounted.map((c) => `${key(c)} × ${c.n}`), what);
  for (const [i, c] of kept.entries()) {
    // Sums of metres kept by adding and taking away: equal to a millimetre.
    assert.ok(Math.abs(c.sum_mx - recounted[i]!.sum_mx) < 1e-3 && Math.abs(c.sum_my - recounted[i]!.sum_my) < 1e-3, `${what}: the sums of ${key(c)}`);
  }
}
class RollBack extends Error {}

test('the counters agree with a recount after tickets are added, moved, closed, reopened and deleted, one by one and many at once', async () => {
  let seed = 11;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const statuses = ['new', 'accepted', 'in_progress', 'needs_info', 'reopened', 'done', 'closed', 'rejected', 'duplicate'];
  const ids: number[] = [];
  for (let i = 0; i < 45; i++) {
    const status = statuses[i % statuses.length]!;
    const at: LonLat = [36.2 + random() * 0.3, 49.9 + random() * 0.2];
    ids.push((await addTicket(db, start, { at, status, dueInHours: random() * 48 - 24, createdHoursAgo: 200, ...(status === 'closed' ? { closedDaysAgo: random() * 10 } : {}) })).id);
  }
  await assertCountersRecount('after the inserts');

  const one = (sql: string, params: Record<string, unknown>) => db.sql(sql, params);
  await one("UPDATE tickets SET status = 'done', done_at = $now WHERE id = $id", { id: ids[0], now: start });
  await one("UPDATE tickets SET status = 'closed', closed_at = $at WHERE id = $id", { id: ids[5], at: new Date(start.getTime() - 3 * DAY) });
  await one("UPDATE tickets SET status = 'reopened' WHERE id = $id", { id: ids[6] });
  await one('UPDATE tickets SET location = ST_SetSRID(ST_MakePoint(36.31, 50.01), 4326) WHERE id = $id', { id: ids[1] });
  await one('UPDATE tickets SET closed_at = closed_at - interval \'2 days\' WHERE id = $id', { id: ids[15] });
  await assertCountersRecount('after changes one by one');

  // Many at once, tickets swapping cells and kinds in one statement.
  await one(`UPDATE tickets SET location = ST_SetSRID(ST_MakePoint(ST_Y(location) - 13.7, ST_X(location) + 13.7), 4326),
                                status = CASE status WHEN 'new' THEN 'closed' WHEN 'closed' THEN 'new' ELSE status END,
                                closed_at = CASE status WHEN 'new' THEN $at::timestamptz WHEN 'closed' THEN NULL ELSE closed_at END
             WHERE id IN (SELECT jsonb_array_elements_text($ids::jsonb)::bigint)`, { ids: JSON.stringify(ids.slice(10, 30)), at: start });
  await assertCountersRecount('after one statement changed twenty tickets');

  await one('DELETE FROM tickets WHERE id IN (SELECT jsonb_array_elements_text($ids::jsonb)::bigint)', { ids: JSON.stringify(ids.slice(30)) });
  await one('DELETE FROM tickets WHERE id = $id', { id: ids[2] });
  await assertCountersRecount('after the deletes');
});

test('a change the map does not show (escalation, description, routing) touches no counter', async () => {
  const at: LonLat = [36.3, 50.0];
  const { id } = await addTicket(db, start, { at, status: 'accepted' });
  const versions = async () => (await db.sql<{ v: string }>("SELECT string_agg(z || '/' || x || '/' || y || '/' || kind || '/' || day || ':' || xmin::text, ',' ORDER BY z, x, y, kind, day) AS v FROM ticket_map_cells")).at(0)!.v;
  const before = await versions();
  await db.sql("UPDATE tickets SET escalation_level = 1, description = 'changed', needs_routing = true WHERE id = $id", { id });
  await db.sql('UPDATE tickets SET escalation_level = 2 WHERE status = $status', { status: 'accepted' });
  assert.equal(await versions(), before, 'no counter row was written');
  await db.sql('DELETE FROM tickets WHERE id = $id', { id });
});

test('tickets loaded with the triggers off are counted once misto_ticket_map_cells_rebuild() runs', async () => {
  const at: LonLat = [36.45, 50.07];
  const tile = tileOf(at[0], at[1], 10);
  const { layers } = resolveLayers(['tickets']);
  const count = async () => (decodeTile((await renderTile(db, layers, tile, clock.now(), encoderFor(db.backend))).bytes).tickets ?? [])
    .reduce((n, f) => n + Number(f.properties.count), 0);
  const before = await count();
  let ids: number[] = [];
  await db.transaction(async (tx) => {
    await tx.sql("SELECT set_config('session_replication_role', 'replica', true)");
    for (let i = 0; i < 5; i++) ids.push((await addTicket(tx, start, { at: [at[0] + i * 0.001, at[1]], status: i % 2 ? 'done' : 'new' })).id);
  });
  assert.equal(await count(), before, 'without the triggers the counters do not know them');
  await db.sql('SELECT misto_ticket_map_cells_rebuild()');
  assert.equal(await count(), before + 5);
  await assertCountersRecount('after the rebuild');
  await db.sql('DELETE FROM tickets WHERE id IN (SELECT jsonb_array_elements_text($ids::jsonb)::bigint)', { ids: JSON.stringify(ids) });
  ids = [];
  assert.equal(await count(), before);
});

test('closed tickets leave the clusters seven days after closing, and open ones turn overdue at their deadline, in cached tiles too', async () => {
  // The clock stands at 01:00 UTC: seven days back falls early on a day whose tickets are
  // partly shown, and the day after is wholly shown until the clock passes midnight.
  // Far from the other tests' tickets, so that only these are counted from z8 on.
  const at: LonLat = [35.0, 49.0];
  const closedAt = (iso: string) => new Date(iso).getTime();
  const t = (hoursFromStart: number) => new Date(start.getTime() + hoursFromStart * HOUR);
  const closed = [
    closedAt('2026-11-16T00:30:00Z'), // before the window from the start
    closedAt('2026-11-16T02:00:00Z'), // leaves at 2026-11-23T02:00
    closedAt('2026-11-16T23:30:00Z'), // leaves at 2026-11-23T23:30
    closedAt('2026-11-17T00:30:00Z'), // leaves at 2026-11-24T00:30, the day after the first
  ];
  const ids: number[] = [];
  for (const [i, c] of closed.entries()) {
    ids.push((await addTicket(db, start, { at: [at[0] + i * 0.0005, at[1]], status: 'closed', closedDaysAgo: (start.getTime() - c) / DAY, createdHoursAgo: 400, dueInHours: -300 })).id);
  }
  // Open, due in 90 minutes and in 25 hours.
  ids.push((await addTicket(db, start, { at: [at[0], at[1] + 0.0005], status: 'accepted', dueInHours: 1.5 })).id);
  ids.push((await addTicket(db, start, { at: [at[0], at[1] + 0.001], status: 'new', dueInHours: 25 })).id);
  const counts = async (z: number) => {
    const res = await get(`${server.url}/tiles/tickets/${z}/${tileOf(at[0], at[1], z).x}/${tileOf(at[0], at[1], z).y}.mvt`);
    const features = decodeTile(res.body).tickets ?? [];
    const sum = (k: string) => features.reduce((n, f) => n + Number(f.properties[k] ?? 0), 0);
    return { closed: sum('closed_count'), overdue: sum('overdue_count'), count: sum('count') };
  };
  const expect = async (closedShown: number, overdue: number, when: string) => {
    for (const z of [8, 10, 12, 13]) {
      assert.deepEqual(await counts(z), { closed: closedShown, overdue, count: closedShown + 2 }, `z${z} ${when}`);
    }
  };
  try {
    // The new tickets' NOTIFY redraws the cached tiles; wait for it once.
    for (let i = 0; i < 100 && (await counts(10)).count !== 5; i++) await new Promise((r) => setTimeout(r, 20));
    await expect(3, 0, 'at the start');
    clock.set(t(1.25));
    await expect(2, 0, 'after the first left');
    clock.set(t(1.75));
    await expect(2, 1, 'after the first deadline');
    clock.set(t(22.75));
    await expect(1, 1, 'after the second left');
    clock.set(t(23.25));
    await expect(1, 1, 'past midnight: the day of the last is the day seven days back');
    clock.set(t(23.75));
    await expect(0, 1, 'after the last left');
    clock.set(t(26.25));
    await expect(0, 2, 'after the second deadline');
  } finally {
    clock.set(start);
    await db.sql('DELETE FROM tickets WHERE id IN (SELECT jsonb_array_elements_text($ids::jsonb)::bigint)', { ids: JSON.stringify(ids) });
  }
});
