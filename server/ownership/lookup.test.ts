// The ownership lookup: which objects, in what order, and who answers for each in every ownership situation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createOrganisation, type OrganisationRow } from '../testing/factories/auth.js';
import {
  createClaim, createDistrict, createObject, createObjectCategory, createServiceArea, ensureCityDepartment,
} from '../testing/factories/objects.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
let inspector: Record<string, string>;

// The spot the inspector clicks, and metres turned into degrees there.
const LON = 36.3;
const LAT = 50.0;
const east = (m: number) => LON + m / 71_555;
const north = (m: number) => LAT + m / 111_230;

let city: OrganisationRow;
let water: OrganisationRow;
let lights: OrganisationRow;
let landlord: OrganisationRow;
let telecom: OrganisationRow;
const ids: Record<string, number> = {};

before(async () => {
  db = await testDb();
  server = await startTestServer(db);
  inspector = (await loginAs(db, server.url, 'inspector')).headers;
  await createDistrict(db, { name: 'Салтівський район', lon: LON, lat: LAT, size: 0.1 });
  city = await ensureCityDepartment(db);
  water = await createOrganisation(db, { name: 'Водоканал' });
  lights = await createOrganisation(db, { name: 'Міськсвітло' });
  landlord = await createOrganisation(db, { name: 'ТОВ Забудовник', kind: 'private', isExecutor: false });
  telecom = await createOrganisation(db, { name: 'Укртелеком', kind: 'telecom' });

  ids.unknown = (await createObject(db, { kind: 'manhole', lon: east(3), lat: LAT })).id;
  ids.owned = (await createObject(db, { kind: 'manhole', lon: east(5), lat: LAT, ownerId: water.id, balanceHolderId: water.id })).id;
  ids.maintained = (await createObject(db, { kind: 'street_light_pole', lon: LON, lat: north(10), ownerId: landlord.id, balanceHolderId: lights.id })).id;
  ids.disputed = (await createObject(db, { kind: 'telecom_pole', lon: east(-15), lat: LAT, ownerId: water.id, status: 'disputed' })).id;
  await createClaim(db, { objectId: ids.disputed, organisationId: telecom.id, claim: 'ours' });
  ids.ownerless = (await createObject(db, { kind: 'well', lon: LON, lat: north(-20), status: 'ownerless' })).id;
  ids.noExecutor = (await createObject(db, { kind: 'cabinet', lon: east(22), lat: LAT, ownerId: landlord.id })).id;
  ids.far = (await createObject(db, { kind: 'manhole', lon: east(60), lat: LAT, ownerId: water.id })).id;
  ids.nearLine = (await createObject(db, { line: [[east(-100), north(8)], [east(100), north(8)]], ownerId: water.id })).id;
  ids.farLine = (await createObject(db, { line: [[east(-100), north(200)], [east(100), north(200)]], ownerId: water.id })).id;

  await createObjectCategory(db, { code: 'street_light', objectKinds: ['street_light_pole'] });
  await createServiceArea(db, { executorId: lights.id, categoryCode: 'street_light', lon: LON, lat: LAT, name: 'Салтівка' });
  await createServiceArea(db, { executorId: water.id, categoryCode: 'street_light', lon: LON + 0.05, lat: LAT, name: 'elsewhere' });
});
after(async () => { await server.close(); await db.close(); });

interface Answer {
  objects: { id: number; distance_m: number; ownership_status: string; owner: { id: number } | null; balance_holder: { id: number } | null;
    open_claims: { organisation: { id: number }; claim: string }[];
    responsible: { organisation: { id: number } | null; reason: string; disputed_between: { id: number }[] | null; why: string } }[];
  lines: { id: number; distance_m: number }[];
  service_areas: { executor: { id: number }; category_code: string; routes: boolean; name: string }[];
  truncated: boolean;
}

// The embedded database runs in this process and can stall it for seconds on a first query; a kept-alive socket
// whose idle timer was armed during such a stall is closed under the next request. One connection per request.
async function lookup(query: string, headers = inspector): Promise<{ status: number; body: Answer & { errors?: { field: string }[] } }> {
  const res = await fetch(`${server.url}/api/ownership?${query}`, { headers: { ...headers, connection: 'close' } });
  return { status: res.status, body: await res.json() as Answer & { errors?: { field: string }[] } };
}

test('the lookup lists the objects within the radius nearest first, with their distance', async () => {
  const { status, body } = await lookup(`lon=${LON}&lat=${LAT}&radius=25`);
  assert.equal(status, 200);
  assert.deepEqual(body.objects.map((o) => o.id), [ids.unknown, ids.owned, ids.maintained, ids.disputed, ids.ownerless, ids.noExecutor]);
  const distances = body.objects.map((o) => o.distance_m);
  for (const [i, expected] of [3, 5, 10, 15, 20, 22].entries()) assert.ok(Math.abs(distances[i]! - expected) < 0.3, `object ${i} at ${distances[i]} m, expected ${expected}`);
  assert.equal(body.truncated, false);
});

test('a wider radius reaches the farther object and the default radius is 25 m', async () => {
  assert.ok((await lookup(`lon=${LON}&lat=${LAT}&radius=100`)).body.objects.some((o) => o.id === ids.far));
  assert.ok(!(await lookup(`lon=${LON}&lat=${LAT}`)).body.objects.some((o) => o.id === ids.far));
});

test('network lines passing within the radius are listed apart, the far one is not', async () => {
  const { body } = await lookup(`lon=${LON}&lat=${LAT}&radius=25`);
  assert.deepEqual(body.lines.map((l) => l.id), [ids.nearLine]);
  assert.ok(Math.abs(body.lines[0]!.distance_m - 8) < 0.3);
  assert.ok(!body.objects.some((o) => o.id === ids.nearLine));
});

test('each object names its responsible party and the reason in every ownership situation', async () => {
  const { body } = await lookup(`lon=${LON}&lat=${LAT}&radius=25`);
  const byId = new Map(body.objects.map((o) => [o.id, o]));
  const party = (id: number) => {
    const r = byId.get(id)!.responsible;
    return { organisation: r.organisation?.id, reason: r.reason, between: r.disputed_between?.map((d) => d.id) ?? null };
  };
  assert.deepEqual(party(ids.owned!), { organisation: water.id, reason: 'owner', between: null });
  assert.deepEqual(party(ids.maintained!), { organisation: lights.id, reason: 'balance_holder', between: null });
  assert.deepEqual(party(ids.disputed!), { organisation: city.id, reason: 'disputed', between: [water.id, telecom.id].sort((a, b) => a - b) });
  assert.deepEqual(party(ids.ownerless!), { organisation: city.id, reason: 'ownerless', between: null });
  assert.deepEqual(party(ids.unknown!), { organisation: city.id, reason: 'unknown', between: null });
  assert.deepEqual(party(ids.noExecutor!), { organisation: city.id, reason: 'no_executor', between: null });
  assert.match(byId.get(ids.maintained!)!.responsible.why, /ТОВ Забудовник is the owner on record; Міськсвітло, the balance holder, maintains it/);
  assert.match(byId.get(ids.disputed!)!.responsible.why, /Disputed between (Водоканал and Укртелеком|Укртелеком and Водоканал)/);
});

test('an object shows its owner, balance holder and standing claims', async () => {
  const { body } = await lookup(`lon=${LON}&lat=${LAT}&radius=25`);
  const maintained = body.objects.find((o) => o.id === ids.maintained)!;
  assert.equal(maintained.owner!.id, landlord.id);
  assert.equal(maintained.balance_holder!.id, lights.id);
  const disputed = body.objects.find((o) => o.id === ids.disputed)!;
  assert.deepEqual(disputed.open_claims.map((c) => [c.organisation.id, c.claim]), [[telecom.id, 'ours']]);
});

test('the service areas covering the point are listed, and the one that routes is marked', async () => {
  const { body } = await lookup(`lon=${LON}&lat=${LAT}`);
  assert.deepEqual(body.service_areas.map((a) => [a.name, a.executor.id, a.routes]), [['Салтівка', lights.id, true]]);
});

test('the routing query answers for one object and nothing for a missing one', async () => {
  const [row] = await db.query('ownership/responsible_for_object', { object_id: ids.maintained, city_department: city.code });
  assert.deepEqual(row, { organisation_id: lights.id, reason: 'balance_holder', disputed_between: null });
  assert.deepEqual(await db.query('ownership/responsible_for_object', { object_id: 999_999, city_department: city.code }), []);
});

test('a radius of 0 or 100 km, a missing or impossible coordinate and a point outside the city are refused with field errors', async () => {
  for (const [query, field] of [
    [`lon=${LON}&lat=${LAT}&radius=0`, 'radius'],
    [`lon=${LON}&lat=${LAT}&radius=100000`, 'radius'],
    [`lon=${LON}&lat=${LAT}&radius=ten`, 'radius'],
    [`lon=200&lat=${LAT}`, 'lon'],
    [`lon=${LON}&lat=-91`, 'lat'],
    [`lon=${LON}`, 'lat'],
    [`lon=${LON}&lon=1&lat=${LAT}`, 'lon'],
    ['lon=30.52&lat=50.45', 'lon'],
  ] as const) {
    const { status, body } = await lookup(query);
    assert.equal(status, 400, query);
    assert.ok(body.errors?.some((e) => e.field === field), `${query}: ${JSON.stringify(body)}`);
  }
});

test('the lookup needs a logged-in staff member', async () => {
  assert.equal((await lookup(`lon=${LON}&lat=${LAT}`, {})).status, 401);
  const executor = (await loginAs(db, server.url, 'executor')).headers;
  assert.equal((await lookup(`lon=${LON}&lat=${LAT}`, executor)).status, 403);
});

test('the public "nearest object of these kinds" gives the pole next to the point, without owners', async () => {
  const near = (query: string) => fetch(`${server.url}/api/objects/near?${query}`, { headers: { connection: 'close' } });
  const res = await near(`lon=${LON}&lat=${LAT}&kinds=street_light_pole,power_pole`);
  assert.equal(res.status, 200);
  const body = await res.json() as { object: Record<string, unknown> };
  assert.equal(body.object.id, ids.maintained);
  assert.deepEqual(Object.keys(body.object).sort(), ['distance_m', 'id', 'kind', 'label', 'lat', 'lon', 'ownership_status']);
  const none = await (await near(`lon=${east(500)}&lat=${LAT}&kinds=street_light_pole`)).json() as { object: unknown };
  assert.equal(none.object, null);
  assert.equal((await near(`lon=${LON}&lat=${LAT}&kinds=lamp`)).status, 400);
});
