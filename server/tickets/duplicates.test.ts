// Duplicates: open tickets of the same category nearby and recent are offered; a duplicate is linked to its original and its reporter follows it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { ManualClock, HOUR } from '../clock.js';
import { configWith, createIntakeCity, createServiceArea, createServiceCategory, intakeTicket } from '../testing/factories/tickets.js';
import { METRE_LAT } from '../testing/factories/outages.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
let city: Awaited<ReturnType<typeof createIntakeCity>>;
const config = configWith({ webRequestsPerWindow: 1000 });

const LON = 36.36;
const LAT = 50.03;
const north = (metres: number) => LAT + metres * METRE_LAT;

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock, config });
  city = await createIntakeCity(db);
});
after(async () => { await server.close(); await db.close(); });

async function freshCategory(): Promise<string> {
  const { code } = await createServiceCategory(db);
  await createServiceArea(db, { executorId: city.executor.id, categoryCode: code, rect: city.rect });
  return code;
}

test('an open ticket of the same category 40 m away and 71 h old is offered as a duplicate', async () => {
  const category = await freshCategory();
  const original = await intakeTicket(db, { categoryCode: category, lon: LON, lat: north(40) }, { now: new Date(clock.now().getTime() - 71 * HOUR), config });
  const t = await intakeTicket(db, { categoryCode: category, lon: LON, lat: LAT }, { now: clock.now(), config });
  assert.deepEqual(t.duplicateCandidates.map((c) => c.id), [original.id]);
  assert.ok(Math.abs(t.duplicateCandidates[0]!.distanceM - 40) < 0.5, `about 40 m, got ${t.duplicateCandidates[0]!.distanceM}`);
  assert.equal(t.status, 'new');
});

test('tickets too far, too old, closed or of another category are not offered', async () => {
  const category = await freshCategory();
  const other = await freshCategory();
  const now = clock.now();
  await intakeTicket(db, { categoryCode: category, lon: LON, lat: north(60) }, { now, config });
  await intakeTicket(db, { categoryCode: category, lon: LON, lat: north(10) }, { now: new Date(now.getTime() - 73 * HOUR), config });
  await intakeTicket(db, { categoryCode: other, lon: LON, lat: LAT }, { now, config });
  const closed = await intakeTicket(db, { categoryCode: category, lon: LON, lat: north(5) }, { now, config });
  await db.sql("UPDATE tickets SET status = 'rejected', closed_at = $now WHERE id = $id", { id: closed.id, now });
  const t = await intakeTicket(db, { categoryCode: category, lon: LON, lat: LAT }, { now, config });
  assert.deepEqual(t.duplicateCandidates, []);
});

test('the distance and the time window are configurable', async () => {
  const category = await freshCategory();
  const now = clock.now();
  const far = await intakeTicket(db, { categoryCode: category, lon: LON, lat: north(90) }, { now: new Date(now.getTime() - 100 * HOUR), config });
  const wide = configWith({ duplicateRadiusM: 100, duplicateWindowHours: 120 });
  const t = await intakeTicket(db, { categoryCode: category, lon: LON, lat: LAT }, { now, config: wide });
  assert.deepEqual(t.duplicateCandidates.map((c) => c.id), [far.id]);
});

test('the duplicates preview offers the same candidates before submitting, nearest first', async () => {
  const category = await freshCategory();
  const now = clock.now();
  const farther = await intakeTicket(db, { categoryCode: category, lon: LON, lat: north(30) }, { now, config });
  const nearer = await intakeTicket(db, { categoryCode: category, lon: LON, lat: north(10) }, { now, config });
  const res = await fetch(`${server.url}/api/duplicates?lon=${LON}&lat=${LAT}&category=${category}`);
  assert.equal(res.status, 200);
  const body = await res.json() as { radius_m: number; candidates: { id: number }[] };
  assert.equal(body.radius_m, 50);
  assert.deepEqual(body.candidates.map((c) => c.id), [nearer.id, farther.id]);
});

test('candidates at the same distance come newest first, at most ten, and the created event names them in that order', async () => {
  const category = await freshCategory();
  const made: number[] = [];
  for (let i = 0; i < 12; i++) {
    made.push((await intakeTicket(db, { categoryCode: category, lon: LON, lat: north(5) }, { now: new Date(clock.now().getTime() - (12 - i) * 60_000), config })).id);
  }
  const t = await intakeTicket(db, { categoryCode: category, lon: LON, lat: LAT }, { now: clock.now(), config });
  const newestTen = made.slice(2).reverse();
  assert.deepEqual(t.duplicateCandidates.map((c) => c.id), newestTen);
  assert.equal(new Set(t.duplicateCandidates.map((c) => c.distanceM)).size, 1, 'all at one distance');
  assert.ok(t.duplicateCandidates.every((c) => Math.abs(c.distanceM - 5) < 0.5 && c.status === 'new' && c.createdAt instanceof Date));
  const [created] = await db.sql<{ data: { duplicate_candidates: number[] } }>(
    "SELECT data FROM ticket_events WHERE ticket_id = $id AND kind = 'created'", { id: t.id });
  assert.deepEqual(created!.data.duplicate_candidates, newestTen);
});

test('a duplicate\'s events: created, linked on it (public), linked on its original (internal), and no candidates asked', async () => {
  const category = await freshCategory();
  const original = await intakeTicket(db, { categoryCode: category, lon: LON, lat: LAT }, { now: clock.now(), config });
  const dup = await intakeTicket(db, { categoryCode: category, lon: LON, lat: LAT, duplicateOf: original.id }, { now: clock.now(), config });
  assert.equal(dup.status, 'duplicate');
  assert.deepEqual(dup.duplicateCandidates, []);
  const events = await db.sql<{ ticket_id: number; kind: string; public: boolean; data: Record<string, unknown> }>(
    'SELECT ticket_id, kind, public, data FROM ticket_events WHERE ticket_id IN ($a, $b) ORDER BY id', { a: original.id, b: dup.id });
  assert.deepEqual(events.map((e) => [e.ticket_id, e.kind, e.public]), [
    [original.id, 'created', true], [dup.id, 'created', true], [dup.id, 'duplicate_linked', true], [original.id, 'duplicate_linked', false],
  ]);
  assert.deepEqual(events[2]!.data, { original_id: original.id });
  assert.deepEqual(events[3]!.data, { duplicate_id: dup.id });
  assert.equal('duplicate_candidates' in events[1]!.data, false);
});

test('a duplicate is linked to its original, not lost, and its reporter follows the original\'s progress', async () => {
  const category = await freshCategory();
  const original = await intakeTicket(db, { categoryCode: category, lon: LON, lat: north(20) }, { now: clock.now(), config });
  const res = await fetch(`${server.url}/api/public/tickets`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ category, lat: LAT, lon: LON, duplicate_of: original.id, description: 'Те саме' }),
  });
  assert.equal(res.status, 201);
  const dup = await res.json() as { id: number; token: string; status: string; duplicate_of: number; service_notice: string };
  assert.equal(dup.status, 'duplicate');
  assert.equal(dup.duplicate_of, original.id);
  assert.match(dup.service_notice, new RegExp(`заявкою №${original.id}`));
  const [row] = await db.sql<{ duplicate_of: number; description: string }>('SELECT duplicate_of, description FROM tickets WHERE id = $id', { id: dup.id });
  assert.deepEqual(row, { duplicate_of: original.id, description: 'Те саме' });
  const linked = await db.sql<{ ticket_id: number }>("SELECT ticket_id FROM ticket_events WHERE kind = 'duplicate_linked' ORDER BY ticket_id", {});
  assert.deepEqual(linked.map((l) => l.ticket_id).filter((id) => id === original.id || id === dup.id).sort(), [original.id, dup.id].sort());

  // The original moves on; the duplicate's reporter sees it through their own ticket and token.
  await db.sql("UPDATE tickets SET status = 'in_progress' WHERE id = $id", { id: original.id });
  await db.sql(`INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, from_status, to_status, note) VALUES ($id, $at, 'status', 'executor', 'accepted', 'in_progress', 'Бригада на місці')`, { id: original.id, at: clock.now() });
  const [req] = await (await fetch(`${server.url}/open311/v2/requests/${dup.id}.json`)).json() as { status: string; status_notes: string }[];
  assert.deepEqual(req, { ...req, status: 'open', status_notes: 'Бригада на місці' });
  const card = await (await fetch(`${server.url}/api/public/tickets/${dup.token}`)).json() as { ticket: { status_code: string; duplicate_of: string }; events: { note: string | null }[] };
  assert.equal(card.ticket.status_code, 'in_progress');
  assert.equal(card.ticket.duplicate_of, String(original.id));
  assert.ok(card.events.some((e) => e.note === 'Бригада на місці'));
});

test('a duplicate of a duplicate is linked to the first original, and a closed original is refused', async () => {
  const category = await freshCategory();
  const original = await intakeTicket(db, { categoryCode: category, lon: LON, lat: LAT }, { now: clock.now(), config });
  const first = await intakeTicket(db, { categoryCode: category, lon: LON, lat: LAT, duplicateOf: original.id }, { now: clock.now(), config });
  const res = await fetch(`${server.url}/api/public/tickets`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ category, lat: LAT, lon: LON, duplicate_of: first.id }),
  });
  assert.equal((await res.json() as { duplicate_of: number }).duplicate_of, original.id);
  await db.sql("UPDATE tickets SET status = 'closed', closed_at = $now WHERE id = $id", { id: original.id, now: clock.now() });
  const refused = await fetch(`${server.url}/api/public/tickets`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ category, lat: LAT, lon: LON, duplicate_of: original.id }),
  });
  assert.equal(refused.status, 400);
  assert.deepEqual((await refused.json() as { errors: { field: string }[] }).errors.map((e) => e.field), ['duplicate_of']);
});
