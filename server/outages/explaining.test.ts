// GET /api/outages/explaining: before a ticket exists, the intake form learns which live outage would explain it — the same one intake then links it to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { createSmallCity, createTestOutage, createUtilityCategory, placeTicket, polygonZone, type SmallCity } from '../testing/factories/outages.js';
import { ManualClock, HOUR } from '../clock.js';
import type { Db } from '../db/db.js';
import { linkToExplainingOutage } from './link.js';

let db: Db;
let city: SmallCity;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');

// Inside the square (Бучми 14) and well outside it (Мар'янська 5).
const INSIDE = { lon: 36.303, lat: 50.0002 };
const OUTSIDE = { lon: 36.31, lat: 50.005 };

before(async () => {
  db = await testDb();
  city = await createSmallCity(db);
  server = await startTestServer(db, { clock });
  await createUtilityCategory(db, 'no_water', 'water');
  await createUtilityCategory(db, 'no_heating', 'heating');
  await createUtilityCategory(db, 'pothole', null);
});
after(async () => { await server.close(); await db.close(); });

async function explaining(query: Record<string, string | number>) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const res = await fetch(`${server.url}/api/outages/explaining?${qs}`);
  return { status: res.status, body: await res.json() as { outage: { id: number; utility: string; kind: string; public_text: string } | null; errors?: Array<{ field: string }> } };
}

test('a point inside a live water outage is explained by it for a water category, and intake links a ticket there to the same outage', async () => {
  const { outage } = await createTestOutage(db, city, { zone: polygonZone(), publicText: 'Аварія на водогоні', now: clock.now() });
  const answer = await explaining({ category: 'no_water', ...INSIDE });
  assert.equal(answer.status, 200);
  assert.equal(answer.body.outage?.id, outage.id);
  assert.equal(answer.body.outage?.public_text, 'Аварія на водогоні');

  const ticketId = await placeTicket(db, { categoryCode: 'no_water', executorId: city.executor.id, ...INSIDE, createdAt: clock.now() });
  const linked = await db.transaction((tx) => linkToExplainingOutage(tx, ticketId, clock.now()));
  assert.equal(linked?.outageId, answer.body.outage?.id);
});

test('another utility\'s category, a category without a utility, or a point outside the zone is explained by nothing', async () => {
  await createTestOutage(db, city, { zone: polygonZone(), now: clock.now() });
  assert.equal((await explaining({ category: 'no_heating', ...INSIDE })).body.outage, null);
  assert.equal((await explaining({ category: 'pothole', ...INSIDE })).body.outage, null);
  assert.equal((await explaining({ category: 'no_water', ...OUTSIDE })).body.outage, null);
});

test('an outage that has not started yet or is already over explains nothing', async () => {
  const later = await createTestOutage(db, city, { utility: 'heating', zone: polygonZone(), startsAt: new Date(clock.now().getTime() + 2 * HOUR), endsAt: new Date(clock.now().getTime() + 5 * HOUR), kind: 'planned', now: clock.now() });
  assert.equal(later.outage.status, 'scheduled');
  assert.equal((await explaining({ category: 'no_heating', ...INSIDE })).body.outage, null);
  clock.advance(3 * HOUR);
  try {
    assert.equal((await explaining({ category: 'no_heating', ...INSIDE })).body.outage?.id, later.outage.id);
    clock.advance(3 * HOUR);
    assert.equal((await explaining({ category: 'no_heating', ...INSIDE })).body.outage, null);
  } finally {
    clock.set(new Date('2026-11-23T09:00:00Z'));
  }
});

test('a malformed category or point is a 400 naming the field', async () => {
  const bad = await explaining({ category: 'DROP TABLE', ...INSIDE });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.errors?.map((e) => e.field), ['category']);
  const noPoint = await explaining({ category: 'no_water', lon: 'east', lat: 50 });
  assert.equal(noPoint.status, 400);
  assert.deepEqual(noPoint.body.errors?.map((e) => e.field), ['lon']);
});
