// The ownerless register on a hand-moved clock: stages in order, the one-year rule, transfer to the city, exports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createOrganisation, type OrganisationRow } from '../testing/factories/auth.js';
import { createDistrict, createObject, ensureCityDepartment } from '../testing/factories/objects.js';
import { ManualClock } from '../clock.js';
import { csvCell } from './register.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
let inspector: Record<string, string>;
let city: OrganisationRow;
let water: OrganisationRow;
const clock = new ManualClock('2026-11-23T09:00:00Z');

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock });
  inspector = (await loginAs(db, server.url, 'inspector')).headers;
  city = await ensureCityDepartment(db);
  water = await createOrganisation(db, { name: 'Водоканал' });
  // The city: one district around the spot where the inspectors find things (36.3 E, 50.0 N).
  await createDistrict(db, { name: 'Салтівський район', lon: 36.3, lat: 50.0, size: 0.1 });
});
after(async () => { await server.close(); await db.close(); });

/** Moves the clock; a jump of a year outlives the session, so the inspector logs in again. */
async function setClock(to: string) {
  clock.set(to);
  inspector = (await loginAs(db, server.url, 'inspector')).headers;
}

// The embedded database runs in this process and can stall it for seconds on a first query; a kept-alive socket
// whose idle timer was armed during such a stall is closed under the next request. One connection per request.
async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = inspector): Promise<{ status: number; body: any; res: Response }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...headers, connection: 'close', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.clone().text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* CSV */ }
  return { status: res.status, body: parsed, res };
}

const found = (extra: Record<string, unknown> = {}) => api('POST', '/api/ownerless', {
  kind: 'manhole', geometry: { type: 'Point', coordinates: [36.3, 50.0] }, label: 'Люк без кришки', danger_level: 'high',
  note: 'Виявлено при обході', photos: ['https://photos.example/m1.jpg'], ...extra,
});

async function record(id: number) {
  const [row] = await db.sql<{ stage: string; eligible_from: string | null }>(
    'SELECT stage, eligible_from::text AS eligible_from FROM ownerless_records WHERE id = $id', { id });
  return row!;
}

async function listed(recordId: number, query = '') {
  const res = await api('GET', `/api/ownerless${query}`, undefined, {});
  assert.equal(res.status, 200);
  return (res.body.entries as { id: number; stage: string; year_passed: boolean; eligible_from: string | null }[]).find((e) => e.id === recordId);
}

test('the path runs found → on record → public notice → eligible after one year → transferred to the city', async () => {
  await setClock('2026-11-23T09:00:00Z');
  const made = await found();
  assert.equal(made.status, 201);
  const { record_id: id, object_id: objectId } = made.body;
  const object = await api('GET', `/api/objects/${objectId}`);
  assert.equal(object.body.ownership_status, 'ownerless');
  assert.equal(object.body.responsible.reason, 'ownerless');
  assert.equal(object.body.responsible.organisation.id, city.id);
  assert.equal(object.body.ownerless_record.found_at, '2026-11-23T09:00:00.000Z');

  assert.equal((await api('POST', `/api/ownerless/${id}/advance`, { stage: 'on_record', ref: 'Рішення № 12' })).status, 200);
  assert.equal((await record(id)).eligible_from, '2027-11-23');
  await setClock('2026-12-01T10:00:00Z');
  assert.equal((await api('POST', `/api/ownerless/${id}/advance`, { stage: 'public_notice', ref: 'Оголошення № 3', at: '2026-11-30' })).status, 200);

  await setClock('2027-11-22T23:59:00Z');
  const early = await api('POST', `/api/ownerless/${id}/advance`, { stage: 'eligible' });
  assert.equal(early.status, 409);
  assert.match(early.body.detail, /eligible for transfer on 2027-11-23/);
  assert.equal((await listed(id))!.year_passed, false);

  await setClock('2027-11-23T00:00:00Z');
  assert.equal((await listed(id))!.year_passed, true);
  assert.equal((await api('POST', `/api/ownerless/${id}/advance`, { stage: 'eligible' })).status, 200);

  await setClock('2028-02-10T08:00:00Z');
  const noCourt = await api('POST', `/api/ownerless/${id}/advance`, { stage: 'transferred' });
  assert.equal(noCourt.status, 400);
  assert.equal(noCourt.body.errors[0].field, 'ref');
  assert.equal((await api('POST', `/api/ownerless/${id}/advance`, { stage: 'transferred', ref: 'Рішення суду № 640/1234/28' })).status, 200);

  const after = await api('GET', `/api/objects/${objectId}`);
  assert.equal(after.body.ownership_status, 'owned');
  assert.equal(after.body.owner.id, city.id);
  assert.equal(after.body.evidence.ref, 'Рішення суду № 640/1234/28');
  assert.equal(after.body.responsible.reason, 'owner');
  assert.equal(after.body.ownerless_record.stage, 'transferred');
  assert.deepEqual(after.body.history.filter((h: { kind: string }) => h.kind === 'ownerless_advanced').map((h: { data: { after: { stage: string } } }) => h.data.after.stage),
    ['on_record', 'public_notice', 'eligible', 'transferred']);
  assert.equal((await api('POST', `/api/ownerless/${id}/advance`, { stage: 'transferred', ref: 'x' })).status, 409);
});

test('a skipped stage is refused with the stage that comes next, and nothing moves', async () => {
  await setClock('2026-11-23T09:00:00Z');
  const { record_id: id } = (await found()).body;
  const skip = await api('POST', `/api/ownerless/${id}/advance`, { stage: 'public_notice', ref: 'Оголошення' });
  assert.equal(skip.status, 409);
  assert.match(skip.body.detail, /at stage found; the next stage is on_record, not public_notice/);
  assert.equal((await api('POST', `/api/ownerless/${id}/advance`, { stage: 'transferred', ref: 'Суд' })).status, 409);
  assert.equal((await record(id)).stage, 'found');
});

test('a step with a missing document, a future or too early date, or an unknown stage is a field error', async () => {
  await setClock('2026-11-23T09:00:00Z');
  const { record_id: id } = (await found({ found_at: '2026-11-20T10:00:00+02:00' })).body;
  for (const [body, field] of [
    [{ stage: 'on_record' }, 'ref'],
    [{ stage: 'on_record', ref: 'Рішення', at: '2026-12-01' }, 'at'],
    [{ stage: 'on_record', ref: 'Рішення', at: '2026-11-19' }, 'at'],
    [{ stage: 'on_record', ref: 'Рішення', at: 'yesterday' }, 'at'],
    [{ stage: 'registered', ref: 'Рішення' }, 'stage'],
  ] as const) {
    const res = await api('POST', `/api/ownerless/${id}/advance`, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.errors[0].field, field, JSON.stringify(res.body));
  }
  assert.equal((await record(id)).stage, 'found');
  assert.equal((await api('POST', '/api/ownerless/999999/advance', { stage: 'on_record', ref: 'x' })).status, 404);
  assert.equal((await found({ found_at: '2026-11-24' })).status, 400);
  assert.equal((await found({ danger_level: 'extreme' })).status, 400);
});

test('a found object outside the world or the city is refused with the field to fix, and nothing is recorded', async () => {
  await setClock('2026-11-23T09:00:00Z');
  const [before] = await db.sql<{ objects: number; records: number }>(
    'SELECT (SELECT count(*)::int FROM objects) AS objects, (SELECT count(*)::int FROM ownerless_records) AS records');
  for (const [coordinates, detail] of [
    [[200, 50], /longitude|lon|coordinates/i],
    [[36.3, -95], /latitude|lat|coordinates/i],
    [[30.52, 50.45], /outside the city/],
  ] as const) {
    const res = await found({ geometry: { type: 'Point', coordinates } });
    assert.equal(res.status, 400, JSON.stringify(coordinates));
    assert.ok(res.body.errors.some((e: { field: string }) => e.field.startsWith('geometry')), JSON.stringify(res.body));
    assert.match(JSON.stringify(res.body), detail);
  }
  const [after] = await db.sql<{ objects: number; records: number }>(
    'SELECT (SELECT count(*)::int FROM objects) AS objects, (SELECT count(*)::int FROM ownerless_records) AS records');
  assert.deepEqual(after, before);
});

test('an object under investigation can be recorded as ownerless; an owned one cannot', async () => {
  await setClock('2026-11-23T09:00:00Z');
  const unknown = await createObject(db, { kind: 'well' });
  const res = await api('POST', '/api/ownerless', { object_id: unknown.id, danger_level: 'low' });
  assert.equal(res.status, 201);
  const d = await api('GET', `/api/objects/${unknown.id}`);
  assert.equal(d.body.ownership_status, 'ownerless');
  assert.deepEqual(d.body.history.map((h: { kind: string }) => h.kind), ['ownerless_found', 'status_changed']);
  assert.equal((await api('POST', '/api/ownerless', { object_id: unknown.id, danger_level: 'low' })).status, 409);
  const owned = await createObject(db, { kind: 'well', ownerId: water.id });
  assert.equal((await api('POST', '/api/ownerless', { object_id: owned.id, danger_level: 'low' })).status, 409);
  assert.equal((await api('POST', '/api/ownerless', { object_id: unknown.id, kind: 'well', danger_level: 'low' })).status, 400);
});

test('an owner who comes forward ends the record; a standing claim holds up the transfer', async () => {
  await setClock('2026-11-23T09:00:00Z');
  const { record_id: id, object_id: objectId } = (await found()).body;
  const filed = await api('POST', `/api/objects/${objectId}/claims`, { organisation_id: water.id, claim: 'ours', evidence_ref: 'Інвентарна картка 77', evidence_date: '2026-11-20' });
  assert.equal(filed.body.ownership_status, 'ownerless');
  await api('POST', `/api/ownerless/${id}/advance`, { stage: 'on_record', ref: 'Рішення' });
  await api('POST', `/api/ownerless/${id}/advance`, { stage: 'public_notice', ref: 'Оголошення' });
  await setClock('2027-12-01T09:00:00Z');
  await api('POST', `/api/ownerless/${id}/advance`, { stage: 'eligible' });
  const blocked = await api('POST', `/api/ownerless/${id}/advance`, { stage: 'transferred', ref: 'Суд' });
  assert.equal(blocked.status, 409);
  assert.match(blocked.body.detail, /standing "ours" claims/);
  await api('POST', `/api/claims/${filed.body.claim_id}/resolve`, { resolution: 'accepted', reason: 'Власник надав документи' });
  assert.equal((await record(id)).stage, 'owner_found');
  const d = await api('GET', `/api/objects/${objectId}`);
  assert.equal(d.body.ownership_status, 'owned');
  assert.equal(d.body.owner.id, water.id);
});

test('the register is public, lists by stage, and leaves out the finder, the note and the photos', async () => {
  await setClock('2026-11-23T09:00:00Z');
  const { record_id: id } = (await found()).body;
  const anonymous = await api('GET', '/api/ownerless?stage=found', undefined, {});
  assert.equal(anonymous.status, 200);
  assert.ok(anonymous.body.entries.every((e: { stage: string }) => e.stage === 'found'));
  const entry = anonymous.body.entries.find((e: { id: number }) => e.id === id);
  assert.ok(entry);
  for (const privateField of ['found_by', 'note', 'photos', 'tags']) assert.ok(!(privateField in entry), privateField);
  const all = await api('GET', '/api/ownerless', undefined, {});
  const order = ['found', 'on_record', 'public_notice', 'eligible', 'transferred', 'owner_found'];
  const stages = all.body.entries.map((e: { stage: string }) => order.indexOf(e.stage));
  assert.deepEqual(stages, [...stages].sort((a: number, b: number) => a - b));
  assert.equal(all.body.total, all.body.entries.length);
  assert.equal((await api('GET', '/api/ownerless?stage=lost', undefined, {})).status, 400);
  assert.equal((await api('GET', '/api/ownerless?format=xml', undefined, {})).status, 400);
  assert.equal((await api('POST', '/api/ownerless', { kind: 'manhole', danger_level: 'low' }, {})).status, 401);
});

test('the CSV export escapes commas, quotes, line breaks and formulas; the GeoJSON export has the geometry', async () => {
  await setClock('2026-11-23T09:00:00Z');
  const label = 'Люк "старий", вул. Бучми\n=HYPERLINK("x")';
  const { record_id: id } = (await found({ label })).body;
  const csv = await api('GET', '/api/ownerless?format=csv', undefined, {});
  assert.equal(csv.status, 200);
  assert.match(csv.res.headers.get('content-type')!, /^text\/csv/);
  const bytes = new Uint8Array(await csv.res.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf]);
  const text = csv.body as string;
  assert.ok(text.startsWith('id,object_id,kind,'));
  assert.ok(text.includes(`${id},`));
  assert.ok(text.includes('"Люк ""старий"", вул. Бучми\n=HYPERLINK(""x"")"'));
  assert.equal(csvCell('=1+1'), "'=1+1");
  assert.equal(csvCell('-5'), "'-5");
  assert.equal(csvCell(-5), '-5');
  const geo = await api('GET', '/api/ownerless?format=geojson&stage=found', undefined, {});
  assert.equal(geo.body.type, 'FeatureCollection');
  const feature = geo.body.features.find((f: { id: number }) => f.id === id);
  assert.deepEqual(feature.geometry, { type: 'Point', coordinates: [36.3, 50] });
  assert.equal(feature.properties.label, label);
  assert.equal(feature.properties.stage, 'found');
});
