// Tickets explained by an outage: linked when inside a live zone of their utility, parked off the executor's queue, moved on together when it ends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import {
  createSmallCity, createTestOutage, createUtilityCategory, placeTicket, polygonZone, type SmallCity,
} from '../testing/factories/outages.js';
import { ManualClock, HOUR } from '../clock.js';
import type { Db } from '../db/db.js';
import { isWaitingOnOutage, linkToExplainingOutage } from './link.js';
import { cancelOutage, resolveOutage } from './outages.js';
import { advanceOutageStatuses } from './clock-status.js';

let db: Db;
let city: SmallCity;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
const now = () => clock.now();
let water: string;
let heating: string;
let pothole: string;

// Inside the square (Бучми 14) and well outside it (Мар'янська 5).
const INSIDE = { lon: 36.303, lat: 50.0002 };
const OUTSIDE = { lon: 36.31, lat: 50.005 };

before(async () => {
  db = await testDb();
  city = await createSmallCity(db);
  server = await startTestServer(db, { clock });
  water = await createUtilityCategory(db, 'no_water', 'water');
  heating = await createUtilityCategory(db, 'no_heating', 'heating');
  pothole = await createUtilityCategory(db, 'pothole', null);
});
after(async () => { await server.close(); await db.close(); });

const ticket = (categoryCode: string, at: { lon: number; lat: number }) =>
  placeTicket(db, { categoryCode, executorId: city.executor.id, ...at, createdAt: now() });

async function ticketRow(id: number) {
  const [row] = await db.sql<{ status: string; outage_id: number | null; version: number }>('SELECT status, outage_id, version FROM tickets WHERE id = $id', { id });
  return row!;
}

async function events(id: number) {
  return db.sql<{ kind: string; note: string | null; public: boolean; from_status: string | null; to_status: string | null; data: { outage_id?: number } }>(
    'SELECT kind, note, public, from_status, to_status, data FROM ticket_events WHERE ticket_id = $id ORDER BY id', { id });
}

test('a ticket inside an active water outage is linked to it, and the caller can be told at once', async () => {
  const { outage } = await createTestOutage(db, city, { zone: polygonZone(), publicText: 'Аварія на водогоні', endsAt: new Date('2026-11-23T18:00:00Z') });
  const id = await ticket(water, INSIDE);
  const linked = await linkToExplainingOutage(db, id, now());
  assert.deepEqual(linked, { outageId: outage.id, publicText: 'Аварія на водогоні', endsAt: new Date('2026-11-23T18:00:00Z') });
  const row = await ticketRow(id);
  assert.equal(row.outage_id, outage.id);
  assert.equal(row.status, 'new');
  assert.equal(isWaitingOnOutage(row), true);
  const [event] = await events(id);
  assert.equal(event!.kind, 'outage_linked');
  assert.equal(event!.public, true);
  assert.equal(event!.data.outage_id, outage.id);
});

test('a ticket outside the zone is not linked', async () => {
  const id = await ticket(water, OUTSIDE);
  assert.equal(await linkToExplainingOutage(db, id, now()), undefined);
  assert.equal((await ticketRow(id)).outage_id, null);
  assert.deepEqual(await events(id), []);
});

test('a ticket whose category has another utility, or none, is not explained by a water outage', async () => {
  for (const category of [heating, pothole]) {
    const id = await ticket(category, INSIDE);
    assert.equal(await linkToExplainingOutage(db, id, now()), undefined, category);
    assert.equal((await ticketRow(id)).outage_id, null);
  }
});

test('an outage that has not begun, or has ended, explains nothing', async () => {
  const { outage: upcoming } = await createTestOutage(db, city, {
    zone: polygonZone(), utility: 'heating', kind: 'planned', startsAt: new Date(now().getTime() + HOUR), endsAt: new Date(now().getTime() + 3 * HOUR),
  });
  const early = await ticket(heating, INSIDE);
  assert.equal(await linkToExplainingOutage(db, early, now()), undefined);
  // Once its start has come it explains tickets even before the clock has marked it active.
  const onTime = await ticket(heating, INSIDE);
  assert.equal((await linkToExplainingOutage(db, onTime, new Date(now().getTime() + HOUR)))?.outageId, upcoming.id);
  const late = await ticket(heating, INSIDE);
  assert.equal(await linkToExplainingOutage(db, late, new Date(now().getTime() + 3 * HOUR)), undefined);
});

test('when the outage is resolved its waiting tickets move to done together, each with an outage_resolved event', async () => {
  const { outage } = await createTestOutage(db, city, { zone: polygonZone(), utility: 'gas' });
  const gas = await createUtilityCategory(db, 'gas_smell', 'gas');
  const ids = [await ticket(gas, INSIDE), await ticket(gas, { lon: 36.3021, lat: 50.0001 })];
  for (const id of ids) assert.equal((await linkToExplainingOutage(db, id, now()))?.outageId, outage.id);
  // One of them was already taken up by the executor: it is not waiting, so it stays where it is.
  await db.sql("UPDATE tickets SET status = 'accepted' WHERE id = $id", { id: ids[1] });
  const result = await resolveOutage(db, outage.id, { version: null, note: null }, city.operator, now());
  assert.deepEqual(result.tickets, { moved: 1 });
  const waiting = await ticketRow(ids[0]!);
  assert.equal(waiting.status, 'done');
  assert.equal(isWaitingOnOutage(waiting), false);
  const last = (await events(ids[0]!)).at(-1)!;
  assert.equal(last.kind, 'outage_resolved');
  assert.equal(last.public, true);
  assert.equal(last.from_status, 'new');
  assert.equal(last.to_status, 'done');
  assert.match(last.note!, /відкрийте звернення повторно/);
  assert.equal((await ticketRow(ids[1]!)).status, 'accepted');
});

test('the status clock resolving an outage moves its tickets on as well', async () => {
  const sewer = await createUtilityCategory(db, 'sewer_blocked', 'sewer');
  const { outage } = await createTestOutage(db, city, { zone: polygonZone(), utility: 'sewer', endsAt: new Date(now().getTime() + HOUR) });
  const id = await ticket(sewer, INSIDE);
  assert.equal((await linkToExplainingOutage(db, id, now()))?.outageId, outage.id);
  const step = await advanceOutageStatuses(db, new Date(now().getTime() + HOUR));
  assert.ok(step.resolved.includes(outage.id));
  assert.equal((await ticketRow(id)).status, 'done');
  const kinds = (await events(id)).map((e) => e.kind);
  assert.deepEqual(kinds, ['outage_linked', 'outage_resolved']);
});

test('cancelling an outage releases its waiting tickets to the executor', async () => {
  const power = await createUtilityCategory(db, 'no_power', 'power');
  const { outage } = await createTestOutage(db, city, { zone: polygonZone(), utility: 'power' });
  const id = await ticket(power, INSIDE);
  await linkToExplainingOutage(db, id, now());
  const result = await cancelOutage(db, outage.id, { version: null, note: null }, city.operator, now());
  assert.deepEqual(result.tickets, { released: 1 });
  const row = await ticketRow(id);
  assert.equal(row.outage_id, null);
  assert.equal(row.status, 'new');
  assert.equal((await events(id)).at(-1)!.kind, 'outage_unlinked');
});

test('an operator can unlink a ticket by hand, and only a linked one', async () => {
  const hot = await createUtilityCategory(db, 'no_hot_water', 'hot_water');
  const { outage } = await createTestOutage(db, city, { zone: polygonZone(), utility: 'hot_water' });
  const id = await ticket(hot, INSIDE);
  await linkToExplainingOutage(db, id, now());
  const { headers } = await loginAs(db, server.url, 'operator');
  const list = await fetch(`${server.url}/api/outages/${outage.id}/tickets`, { headers });
  assert.deepEqual(((await list.json()) as { tickets: { id: number }[] }).tickets.map((t) => t.id), [id]);
  const executor = await loginAs(db, server.url, 'executor', { organisationId: city.executor.id });
  assert.equal((await fetch(`${server.url}/api/outages/${outage.id}/tickets/${id}`, { method: 'DELETE', headers: executor.headers })).status, 403);
  const res = await fetch(`${server.url}/api/outages/${outage.id}/tickets/${id}`, { method: 'DELETE', headers });
  assert.equal(res.status, 204);
  const row = await ticketRow(id);
  assert.equal(row.outage_id, null);
  const last = (await events(id)).at(-1)!;
  assert.equal(last.kind, 'outage_unlinked');
  assert.equal((await fetch(`${server.url}/api/outages/${outage.id}/tickets/${id}`, { method: 'DELETE', headers })).status, 404);
});
