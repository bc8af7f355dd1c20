// Tickets meet objects: a ticket about a pole goes to the pole's owner over the service area; the object shows its tickets; reports find or record the object.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createOrganisation, ensureContactCentre, type OrganisationRow } from '../testing/factories/auth.js';
import { createObject, createObjectCategory, createServiceArea, ensureCityDepartment } from '../testing/factories/objects.js';
import { createTicket } from '../tickets/intake.js';
import { findObjectForCategory, objectForReport } from '../objects/objects.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
let inspector: Record<string, string>;
let lights: OrganisationRow;
let areaExecutor: OrganisationRow;
let pole: number;
const LON = 36.3;
const LAT = 50.0;
const NOW = new Date('2026-11-23T09:00:00Z');

before(async () => {
  db = await testDb();
  server = await startTestServer(db);
  inspector = (await loginAs(db, server.url, 'inspector')).headers;
  await ensureContactCentre(db);
  await ensureCityDepartment(db);
  lights = await createOrganisation(db, { name: 'Міськсвітло' });
  areaExecutor = await createOrganisation(db, { name: 'ЖЕК № 5', kind: 'housing_office' });
  await createObjectCategory(db, { code: 'street_light', objectKinds: ['street_light_pole', 'power_pole'] });
  await createServiceArea(db, { executorId: areaExecutor.id, categoryCode: 'street_light', lon: LON, lat: LAT });
  pole = (await createObject(db, { kind: 'street_light_pole', lon: LON + 10 / 71_555, lat: LAT, ownerId: lights.id, label: 'Опора 12' })).id;
});
after(async () => { await server.close(); await db.close(); });

const intake = (objectId: number | null) => db.transaction((tx) => createTicket(tx, {
  source: 'operator', categoryCode: 'street_light', lon: LON, lat: LAT, objectId, description: 'Не світить ліхтар',
}, { now: NOW, actor: { kind: 'system' }, config: server.deps.config }));

test('a ticket about a pole goes to the pole\'s owner although the service area names another executor', async () => {
  const aboutPole = await intake(pole);
  assert.equal(aboutPole.executor.id, lights.id);
  assert.equal(aboutPole.routedBy, 'object');
  const plain = await intake(null);
  assert.equal(plain.executor.id, areaExecutor.id);
  assert.equal(plain.routedBy, 'service_area');
});

test('the inspector sees the ticket history of the object', async () => {
  const ticket = await intake(pole);
  const res = await fetch(`${server.url}/api/objects/${pole}`, { headers: { ...inspector, connection: 'close' } });
  const body = await res.json() as { tickets: { id: number; executor: { id: number }; category_code: string }[] };
  assert.ok(body.tickets.some((t) => t.id === ticket.id && t.executor.id === lights.id && t.category_code === 'street_light'));
  assert.ok(body.tickets.every((t) => !('phone' in t) && !('email' in t)));
});

test('a report next to a pole is matched to it by the category\'s object kinds', async () => {
  const match = await findObjectForCategory(db, { lon: LON, lat: LAT }, 'street_light');
  assert.equal(match?.id, pole);
  assert.ok(Math.abs(match!.distance_m - 10) < 0.5);
  assert.equal(await findObjectForCategory(db, { lon: LON + 0.01, lat: LAT }, 'street_light'), undefined);
});

test('a report about an object nobody recorded creates one under investigation, once', async () => {
  const where = { lon: LON + 0.02, lat: LAT };
  const acting = { userId: null, actor: 'system', now: NOW };
  const first = await db.transaction((tx) => objectForReport(tx, acting, where, 'street_light'));
  assert.deepEqual({ kind: first?.kind, created: first?.created }, { kind: 'street_light_pole', created: true });
  const again = await db.transaction((tx) => objectForReport(tx, acting, where, 'street_light'));
  assert.deepEqual(again, { ...first, created: false });
  const [row] = await db.sql<{ ownership_status: string; events: number }>(
    "SELECT ownership_status, (SELECT count(*)::int FROM object_events WHERE object_id = o.id AND kind = 'reported') AS events FROM objects o WHERE id = $id", { id: first!.id });
  assert.deepEqual(row, { ownership_status: 'under_investigation', events: 1 });
});
