// GeoReport v2 search limits with more requests than one answer may hold: 1000 per answer, the 90-day window, paging past it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { ManualClock, DAY, MINUTE } from '../clock.js';
import { configWith, createIntakeCity } from '../testing/factories/tickets.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
const RECENT = 1205;
let ids: number[];
let old: number;

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock, config: configWith() });
  const city = await createIntakeCity(db);
  // 1205 tickets a minute apart, the newest a minute before now, and one 100 days old.
  const rows = await db.sql<{ id: number }>(
    `INSERT INTO tickets (category_code, location, source, executor_id, routed_by, deadline_class, created_at, updated_at, accept_due_at, due_at)
     SELECT $category, ST_SetSRID(ST_MakePoint(36.35 + g * 0.00001, 50.03), 4326), 'import', $executor, 'service_area', 'short',
            $now::timestamptz - g * interval '1 minute', $now::timestamptz - g * interval '1 minute',
            $now::timestamptz + interval '1 hour', $now::timestamptz + interval '1 day'
     FROM generate_series(1, $n::int) g ORDER BY g RETURNING id`,
    { category: city.category, executor: city.executor.id, now: clock.now(), n: RECENT });
  ids = rows.map((r) => r.id);
  const [o] = await db.sql<{ id: number }>(
    `INSERT INTO tickets (category_code, location, source, executor_id, routed_by, deadline_class, created_at, updated_at, accept_due_at, due_at)
     VALUES ($category, ST_SetSRID(ST_MakePoint(36.35, 50.03), 4326), 'import', $executor, 'service_area', 'short', $at, $at, $at::timestamptz + interval '1 hour', $at::timestamptz + interval '1 day')
     RETURNING id`,
    { category: city.category, executor: city.executor.id, at: new Date(clock.now().getTime() - 100 * DAY) });
  old = o!.id;
});
after(async () => { await server.close(); await db.close(); });

async function search(query: string): Promise<{ service_request_id: string; requested_datetime: string }[]> {
  const res = await fetch(`${server.url}/open311/v2/requests.json?${query}`);
  assert.equal(res.status, 200, await res.clone().text());
  return res.json() as Promise<{ service_request_id: string; requested_datetime: string }[]>;
}

test('one answer holds at most 1000 requests, the newest first', async () => {
  const first = await search('');
  assert.equal(first.length, 1000);
  assert.deepEqual(first.map((r) => Number(r.service_request_id)), ids.slice(0, 1000));
  const xml = await (await fetch(`${server.url}/open311/v2/requests.xml`)).text();
  assert.equal(xml.match(/<request>/g)?.length, 1000);
});

test('page 2 gives the rest, and a page past the end is empty', async () => {
  assert.deepEqual((await search('page=2')).map((r) => Number(r.service_request_id)), ids.slice(1000));
  assert.deepEqual(await search('page=3'), []);
  const small = await search('page_size=500&page=3');
  assert.deepEqual(small.map((r) => Number(r.service_request_id)), ids.slice(1000, 1205));
});

test('the default window is the 90 days before now: the 100-day-old request is outside it, a window around it finds it', async () => {
  const all = [...await search(''), ...await search('page=2')];
  assert.equal(all.length, RECENT);
  assert.ok(!all.some((r) => Number(r.service_request_id) === old));
  const then = new Date(clock.now().getTime() - 100 * DAY);
  const around = await search(`start_date=${new Date(then.getTime() - MINUTE).toISOString()}&end_date=${new Date(then.getTime() + MINUTE).toISOString()}`);
  assert.deepEqual(around.map((r) => Number(r.service_request_id)), [old]);
  // start_date alone means the 90 days after it.
  const after = await search(`start_date=${new Date(then.getTime() - MINUTE).toISOString()}`);
  assert.deepEqual(after.map((r) => Number(r.service_request_id)), [old]);
});

test('a list of 1000 service_request_id values is answered in full, in the order asked', async () => {
  const asked = ids.slice(100, 1100).reverse();
  const found = await search(`service_request_id=${asked.join(',')}`);
  assert.deepEqual(found.map((r) => Number(r.service_request_id)), asked);
});
