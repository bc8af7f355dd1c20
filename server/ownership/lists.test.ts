// The inspector's lists: organisations a claim can name, claims across the city by state, and kind names in the lookup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createOrganisation, type OrganisationRow } from '../testing/factories/auth.js';
import { createObject, ensureCityDepartment } from '../testing/factories/objects.js';
import { ManualClock } from '../clock.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
let inspector: Record<string, string>;
let water: OrganisationRow;
let telecom: OrganisationRow;
const clock = new ManualClock('2026-11-23T09:00:00Z');

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock });
  inspector = (await loginAs(db, server.url, 'inspector')).headers;
  await ensureCityDepartment(db);
  water = await createOrganisation(db, { name: 'Водоканал' });
  telecom = await createOrganisation(db, { name: 'Аптелеком', kind: 'telecom', isExecutor: false });
});
after(async () => { await server.close(); await db.close(); });

// One connection per request: the embedded database can stall this process under a kept-alive socket.
async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = inspector): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...headers, connection: 'close', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

test('the organisations a claim can name come sorted by name, with kind and whether each takes tickets', async () => {
  const res = await api('GET', '/api/ownership/organisations');
  assert.equal(res.status, 200);
  const names = res.body.organisations.map((o: { name: string }) => o.name);
  assert.deepEqual(names, [...names].sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)));
  const tel = res.body.organisations.find((o: { id: number }) => o.id === telecom.id);
  assert.deepEqual(tel, { id: telecom.id, code: telecom.code, name: 'Аптелеком', kind: 'telecom', is_executor: false });
  const [count] = await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM organisations');
  assert.equal(res.body.organisations.length, count!.n);
});

test('the organisations and claims lists are for staff: anonymous callers get 401 and an executor 403', async () => {
  assert.equal((await api('GET', '/api/ownership/organisations', undefined, {})).status, 401);
  assert.equal((await api('GET', '/api/ownership/claims', undefined, {})).status, 401);
  const executor = (await loginAs(db, server.url, 'executor')).headers;
  assert.equal((await api('GET', '/api/ownership/claims', undefined, executor)).status, 403);
});

test('the claims list shows standing claims by default and resolved ones on request, with object and resolution', async () => {
  const { id: objectId } = await createObject(db, { kind: 'manhole', label: 'Люк 7', ownerId: water.id });
  const filed = await api('POST', `/api/objects/${objectId}/claims`, { organisation_id: telecom.id, claim: 'ours', evidence_ref: 'Витяг № 5', evidence_date: '2026-11-01' });
  assert.equal(filed.status, 201);
  const standing = await api('GET', '/api/ownership/claims');
  assert.equal(standing.status, 200);
  const mine = standing.body.claims.find((c: { id: number }) => c.id === filed.body.claim_id);
  assert.ok(mine, 'the new claim is standing');
  assert.equal(mine.object_id, objectId);
  assert.equal(mine.kind_name_en, 'Manhole');
  assert.equal(mine.label, 'Люк 7');
  assert.equal(mine.ownership_status, 'disputed');
  assert.equal(mine.organisation.id, telecom.id);
  assert.equal(mine.resolution, null);
  assert.ok(Math.abs(mine.lon - 36.3) < 1e-9 && Math.abs(mine.lat - 50.0) < 1e-9);

  const resolved = await api('POST', `/api/claims/${filed.body.claim_id}/resolve`, { resolution: 'rejected', reason: 'Немає документів' });
  assert.equal(resolved.status, 200);
  const after = await api('GET', '/api/ownership/claims?state=standing');
  assert.equal(after.body.claims.some((c: { id: number }) => c.id === filed.body.claim_id), false);
  const done = await api('GET', '/api/ownership/claims?state=resolved');
  const settled = done.body.claims.find((c: { id: number }) => c.id === filed.body.claim_id);
  assert.equal(settled.resolution, 'rejected');
  assert.equal(settled.resolution_reason, 'Немає документів');
  assert.equal(settled.ownership_status, 'owned');
  const all = await api('GET', '/api/ownership/claims?state=all&limit=1');
  const [count] = await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM ownership_claims');
  assert.equal(all.body.total, count!.n);
  assert.equal(all.body.claims.length, 1);
});

test('a bad state or limit in the claims query is a field error', async () => {
  const res = await api('GET', '/api/ownership/claims?state=open&limit=0');
  assert.equal(res.status, 400);
  assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field).sort(), ['limit', 'state']);
  const half = await api('GET', '/api/ownership/claims?limit=2.5');
  assert.equal(half.status, 400);
  assert.equal(half.body.errors[0].field, 'limit');
});

test('the lookup names each object kind in both languages', async () => {
  const { id } = await createObject(db, { kind: 'street_light_pole', lon: 36.31, lat: 50.01 });
  const res = await api('GET', '/api/ownership?lon=36.31&lat=50.01&radius=5');
  assert.equal(res.status, 200);
  const found = res.body.objects.find((o: { id: number }) => o.id === id);
  assert.equal(found.kind_name_en, 'Street-light pole');
  assert.equal(found.kind_name_uk, 'Опора вуличного освітлення');
});
