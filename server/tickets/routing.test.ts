// Routing: the covering service area of the category (priority, then the smaller area), the object's responsible party, else the contact centre.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { createOrganisation, createServiceArea, createServiceCategory, ensureContactCentre, intakeTicket, configWith } from '../testing/factories/tickets.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
let water: { id: number; name: string };
let housing: { id: number; name: string };
let railway: { id: number; name: string };
let contactCentre: { id: number; name: string };
let category: string;
let otherCategory: string;

// The city area (water, everywhere), a housing district inside it (priority 0 but smaller), and a
// railway strip across both with priority 10.
const CITY: [number, number, number, number] = [36.30, 50.00, 36.40, 50.10];
const DISTRICT: [number, number, number, number] = [36.30, 50.00, 36.35, 50.05];
const RAILWAY: [number, number, number, number] = [36.30, 50.02, 36.40, 50.021];

before(async () => {
  db = await testDb();
  server = await startTestServer(db);
  contactCentre = await ensureContactCentre(db);
  water = await createOrganisation(db, { name: 'Водоканал' });
  housing = await createOrganisation(db, { name: 'Житлова служба 1', kind: 'housing_office' });
  railway = await createOrganisation(db, { name: 'Залізниця', kind: 'railway' });
  category = (await createServiceCategory(db)).code;
  otherCategory = (await createServiceCategory(db)).code;
  await createServiceArea(db, { executorId: water.id, categoryCode: category, rect: CITY });
  await createServiceArea(db, { executorId: housing.id, categoryCode: category, rect: DISTRICT });
  await createServiceArea(db, { executorId: railway.id, categoryCode: category, rect: RAILWAY, priority: 10 });
});
after(async () => { await server.close(); await db.close(); });

test('a point in two overlapping service areas of equal priority goes to the smaller one', async () => {
  const t = await intakeTicket(db, { categoryCode: category, lon: 36.32, lat: 50.04 });
  assert.equal(t.executor.id, housing.id);
  assert.equal(t.routedBy, 'service_area');
  assert.equal(t.needsRouting, false);
});

test('a point outside the smaller area goes to the larger one that covers it', async () => {
  const t = await intakeTicket(db, { categoryCode: category, lon: 36.38, lat: 50.08 });
  assert.equal(t.executor.id, water.id);
});

test('a higher priority wins over a smaller area', async () => {
  const t = await intakeTicket(db, { categoryCode: category, lon: 36.32, lat: 50.0205 });
  assert.equal(t.executor.id, railway.id);
});

test('a point in no service area goes to the contact centre and is flagged for routing', async () => {
  const t = await intakeTicket(db, { categoryCode: category, lon: 36.50, lat: 50.20 });
  assert.equal(t.executor.id, contactCentre.id);
  assert.equal(t.routedBy, 'default');
  assert.equal(t.needsRouting, true);
  const [row] = await db.sql<{ needs_routing: boolean; executor_id: number }>('SELECT needs_routing, executor_id FROM tickets WHERE id = $id', { id: t.id });
  assert.deepEqual(row, { needs_routing: true, executor_id: contactCentre.id });
  assert.match(t.serviceNotice, /визначить диспетчер/);
});

test('a service area of another category does not route this one', async () => {
  const t = await intakeTicket(db, { categoryCode: otherCategory, lon: 36.32, lat: 50.04 });
  assert.equal(t.executor.id, contactCentre.id);
  assert.equal(t.needsRouting, true);
});

test('a ticket about an owned object goes to the object\'s owner, not the service area', async () => {
  const owner = await createOrganisation(db, { name: 'Власник опори' });
  const [obj] = await db.sql<{ id: number }>(
    `INSERT INTO objects (kind, geom, owner_id, ownership_status) VALUES ('street_light_pole', 'SRID=4326;POINT(36.32 50.04)', $owner, 'owned') RETURNING id`,
    { owner: owner.id });
  const t = await intakeTicket(db, { categoryCode: category, lon: 36.32, lat: 50.04, objectId: obj!.id });
  assert.equal(t.executor.id, owner.id);
  assert.equal(t.routedBy, 'object');
});

test('the routing preview names the executor and the deadline before anything is submitted', async () => {
  const before = (await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM tickets'))[0]!.n;
  const res = await fetch(`${server.url}/api/routing?lon=36.32&lat=50.04&category=${category}`);
  assert.equal(res.status, 200);
  const body = await res.json() as { executor: { name: string }; routed_by: string; needs_routing: boolean; deadline_class: string; due_at: string; service_notice: string };
  assert.equal(body.executor.name, housing.name);
  assert.equal(body.routed_by, 'service_area');
  assert.equal(body.deadline_class, 'short');
  assert.match(body.due_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
  assert.match(body.service_notice, new RegExp(housing.name));
  const nowhere = await (await fetch(`${server.url}/api/routing?lon=36.5&lat=50.2&category=${category}`)).json() as { needs_routing: boolean; executor: { name: string } };
  assert.equal(nowhere.needs_routing, true);
  assert.equal(nowhere.executor.name, contactCentre.name);
  assert.equal((await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM tickets'))[0]!.n, before);
});

test('a routing preview with bad parameters is a problem naming each field', async () => {
  const res = await fetch(`${server.url}/api/routing?lon=200&category=Bad Code`);
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  const body = await res.json() as { errors: { field: string }[] };
  assert.deepEqual(body.errors.map((e) => e.field).sort(), ['category', 'lat', 'lon']);
});

test('without the default executor in the database, intake fails instead of inventing one', async () => {
  const config = configWith({}, { defaultExecutor: 'no-such-organisation' });
  await assert.rejects(intakeTicket(db, { categoryCode: otherCategory, lon: 36.5, lat: 50.2 }, { config }), /no-such-organisation/);
});
