// Ownership claims and object edits: conflicts make an object disputed, an inspector's resolution settles it, bad input changes nothing.
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
let city: OrganisationRow;
let water: OrganisationRow;
let telecom: OrganisationRow;
let heating: OrganisationRow;
const clock = new ManualClock('2026-11-23T09:00:00Z');

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock });
  inspector = (await loginAs(db, server.url, 'inspector')).headers;
  city = await ensureCityDepartment(db);
  water = await createOrganisation(db, { name: 'Водоканал' });
  telecom = await createOrganisation(db, { name: 'Укртелеком', kind: 'telecom' });
  heating = await createOrganisation(db, { name: 'Тепломережі' });
});
after(async () => { await server.close(); await db.close(); });

// The embedded database runs in this process and can stall it for seconds on a first query; a kept-alive socket
// whose idle timer was armed during such a stall is closed under the next request. One connection per request.
async function api(method: string, path: string, body?: unknown, headers = inspector): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...headers, connection: 'close', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const claim = (organisation_id: number, kind: 'ours' | 'not_ours', extra: Record<string, unknown> = {}) =>
  ({ organisation_id, claim: kind, evidence_ref: `Лист № ${organisation_id}-${kind}`, evidence_date: '2026-11-01', ...extra });

async function detail(id: number) {
  const res = await api('GET', `/api/objects/${id}`);
  assert.equal(res.status, 200);
  return res.body as {
    ownership_status: string; version: number; owner: { id: number } | null;
    responsible: { organisation: { id: number }; reason: string; disputed_between: { id: number }[] | null };
    claims: { id: number; resolution: string | null; resolution_reason: string | null; organisation: { id: number } }[];
    history: { kind: string; actor: { id: number } | null; data: any }[];
  };
}

async function claimCount(objectId: number): Promise<number> {
  const [row] = await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM ownership_claims WHERE object_id = $id', { id: objectId });
  return row!.n;
}

test('an "ours" claim against the owner on record makes the object disputed between the two, in the same request', async () => {
  const { id } = await createObject(db, { kind: 'manhole', ownerId: water.id });
  const res = await api('POST', `/api/objects/${id}/claims`, claim(telecom.id, 'ours'));
  assert.equal(res.status, 201);
  assert.equal(res.body.ownership_status, 'disputed');
  assert.deepEqual(res.body.disputed_between, [water.id, telecom.id].sort((a, b) => a - b));
  const d = await detail(id);
  assert.equal(d.ownership_status, 'disputed');
  assert.equal(d.responsible.reason, 'disputed');
  assert.equal(d.responsible.organisation.id, city.id);
  assert.deepEqual(d.history.map((h) => h.kind), ['claim_filed', 'status_changed']);
  assert.deepEqual(d.history[1]!.data, { before: { ownership_status: 'owned' }, after: { ownership_status: 'disputed', disputed_between: res.body.disputed_between } });
  assert.ok(d.history.every((h) => h.actor !== null));
});

test('accepting the claim settles the dispute: the claimant becomes the owner, with the claim as evidence', async () => {
  const { id } = await createObject(db, { kind: 'manhole', ownerId: water.id });
  const filed = await api('POST', `/api/objects/${id}/claims`, claim(telecom.id, 'ours'));
  const res = await api('POST', `/api/claims/${filed.body.claim_id}/resolve`, { resolution: 'accepted', reason: 'Витяг з реєстру основних засобів' });
  assert.equal(res.status, 200);
  assert.equal(res.body.ownership_status, 'owned');
  const d = await detail(id);
  assert.equal(d.owner!.id, telecom.id);
  assert.equal(d.responsible.reason, 'owner');
  assert.equal(d.responsible.organisation.id, telecom.id);
  assert.equal(d.claims[0]!.resolution, 'accepted');
  assert.deepEqual(d.history.map((h) => h.kind), ['claim_filed', 'status_changed', 'claim_resolved', 'status_changed']);
  assert.deepEqual(d.history[2]!.data.before.owner_id, water.id);
  assert.deepEqual(d.history[2]!.data.after.owner_id, telecom.id);
});

test('rejecting the claim settles the dispute the other way: the owner on record stays', async () => {
  const { id } = await createObject(db, { kind: 'manhole', ownerId: water.id });
  const filed = await api('POST', `/api/objects/${id}/claims`, claim(telecom.id, 'ours'));
  const res = await api('POST', `/api/claims/${filed.body.claim_id}/resolve`, { resolution: 'rejected', reason: 'Документ не стосується цього люка' });
  assert.equal(res.body.ownership_status, 'owned');
  const d = await detail(id);
  assert.equal(d.owner!.id, water.id);
  assert.equal(d.responsible.organisation.id, water.id);
  assert.equal(d.claims[0]!.resolution_reason, 'Документ не стосується цього люка');
});

test('two "ours" claims on an unknown object dispute it; accepting one rejects the other, and both are kept', async () => {
  const { id } = await createObject(db, { kind: 'well' });
  const first = await api('POST', `/api/objects/${id}/claims`, claim(water.id, 'ours'));
  assert.equal(first.body.ownership_status, 'under_investigation');
  const second = await api('POST', `/api/objects/${id}/claims`, claim(heating.id, 'ours'));
  assert.equal(second.body.ownership_status, 'disputed');
  const res = await api('POST', `/api/claims/${second.body.claim_id}/resolve`, { resolution: 'accepted', reason: 'Технічний паспорт' });
  assert.deepEqual(res.body.settled_claims, [{ id: first.body.claim_id, resolution: 'rejected' }]);
  const d = await detail(id);
  assert.equal(d.ownership_status, 'owned');
  assert.equal(d.owner!.id, heating.id);
  const loser = d.claims.find((c) => c.id === first.body.claim_id)!;
  assert.equal(loser.resolution, 'rejected');
  assert.match(loser.resolution_reason!, new RegExp(`settled by claim ${second.body.claim_id}`));
  assert.equal(d.claims.length, 2);
});

test('organisations that each say "not ours" about an object nobody holds dispute it', async () => {
  const { id } = await createObject(db, { kind: 'manhole' });
  await api('POST', `/api/objects/${id}/claims`, claim(water.id, 'not_ours'));
  const res = await api('POST', `/api/objects/${id}/claims`, claim(telecom.id, 'not_ours'));
  assert.equal(res.body.ownership_status, 'disputed');
  assert.deepEqual(res.body.disputed_between, [water.id, telecom.id].sort((a, b) => a - b));
});

test('the owner on record saying "not ours" is no dispute until resolved; accepted, it clears the owner', async () => {
  const { id } = await createObject(db, { kind: 'manhole', ownerId: water.id });
  const filed = await api('POST', `/api/objects/${id}/claims`, claim(water.id, 'not_ours'));
  assert.equal(filed.body.ownership_status, 'owned');
  const res = await api('POST', `/api/claims/${filed.body.claim_id}/resolve`, { resolution: 'accepted', reason: 'Мережа не на балансі' });
  assert.equal(res.body.ownership_status, 'under_investigation');
  const d = await detail(id);
  assert.equal(d.owner, null);
  assert.equal(d.responsible.reason, 'unknown');
});

test('an executor files a claim for its own organisation only', async () => {
  const { id } = await createObject(db, { kind: 'cabinet' });
  const own = await loginAs(db, server.url, 'executor', { organisationId: telecom.id });
  const { evidence_ref, evidence_date } = claim(telecom.id, 'ours');
  const mine = await api('POST', `/api/objects/${id}/claims`, { claim: 'ours', evidence_ref, evidence_date }, own.headers);
  assert.equal(mine.status, 201);
  const other = await api('POST', `/api/objects/${id}/claims`, claim(water.id, 'ours'), own.headers);
  assert.equal(other.status, 403);
  assert.equal(await claimCount(id), 1);
});

test('a claim by an organisation that does not exist, or without evidence or its date, is refused and nothing is written', async () => {
  const { id } = await createObject(db, { kind: 'manhole', ownerId: water.id });
  const cases: [Record<string, unknown>, string][] = [
    [claim(987_654, 'ours'), 'organisation_id'],
    [claim(telecom.id, 'ours', { evidence_date: undefined }), 'evidence_date'],
    [claim(telecom.id, 'ours', { evidence_ref: undefined }), 'evidence_ref'],
    [claim(telecom.id, 'ours', { evidence_date: '2026-02-30' }), 'evidence_date'],
    [claim(telecom.id, 'ours', { evidence_date: '2027-01-01' }), 'evidence_date'],
    [claim(telecom.id, 'maybe' as 'ours'), 'claim'],
    [claim(telecom.id, 'ours', { role: 'tenant' }), 'role'],
  ];
  for (const [body, field] of cases) {
    const res = await api('POST', `/api/objects/${id}/claims`, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.ok(res.body.errors.some((e: { field: string }) => e.field === field), `${field}: ${JSON.stringify(res.body)}`);
  }
  assert.equal(await claimCount(id), 0);
  assert.equal((await detail(id)).ownership_status, 'owned');
  assert.equal((await api('POST', '/api/objects/987654/claims', claim(telecom.id, 'ours'))).status, 404);
});

test('a second standing claim by the same organisation, and a second resolution, are conflicts', async () => {
  const { id } = await createObject(db, { kind: 'manhole' });
  const filed = await api('POST', `/api/objects/${id}/claims`, claim(telecom.id, 'ours'));
  assert.equal((await api('POST', `/api/objects/${id}/claims`, claim(telecom.id, 'not_ours'))).status, 409);
  assert.equal((await api('POST', `/api/claims/${filed.body.claim_id}/resolve`, { resolution: 'accepted' })).status, 400);
  assert.equal((await api('POST', `/api/claims/${filed.body.claim_id}/resolve`, { resolution: 'accepted', reason: 'Акт' })).status, 200);
  assert.equal((await api('POST', `/api/claims/${filed.body.claim_id}/resolve`, { resolution: 'rejected', reason: 'Передумали' })).status, 409);
  const executor = (await loginAs(db, server.url, 'executor', { organisationId: telecom.id })).headers;
  assert.equal((await api('POST', `/api/claims/${filed.body.claim_id}/resolve`, { resolution: 'rejected', reason: 'x' }, executor)).status, 403);
});

test('an inspector records an object; its kind decides its geometry', async () => {
  const bad = await api('POST', '/api/objects', { kind: 'water_line', geometry: { type: 'Point', coordinates: [36.3, 50] } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errors[0].field, 'geometry');
  assert.equal((await api('POST', '/api/objects', { kind: 'lamp', geometry: { type: 'Point', coordinates: [36.3, 50] } })).status, 400);
  assert.equal((await api('POST', '/api/objects', { kind: 'manhole', geometry: { type: 'Point', coordinates: [36.3, 95] } })).status, 400);
  const noDate = await api('POST', '/api/objects', { kind: 'manhole', geometry: { type: 'Point', coordinates: [36.3, 50] }, owner_id: water.id, evidence_ref: 'Акт 5' });
  assert.equal(noDate.status, 400);
  assert.equal(noDate.body.errors[0].field, 'evidence_date');
  const made = await api('POST', '/api/objects', {
    kind: 'manhole', geometry: { type: 'Point', coordinates: [36.3, 50] }, label: 'Люк 17', owner_id: water.id,
    evidence_ref: 'Акт 5', evidence_date: '2024-03-01', photos: ['https://photos.example/1.jpg'],
  });
  assert.equal(made.status, 201);
  assert.equal(made.body.ownership_status, 'owned');
  assert.equal(made.body.evidence.ref, 'Акт 5');
  assert.deepEqual(made.body.history.map((h: { kind: string }) => h.kind), ['created']);
});

test('an edit names the version it read: a stale one is a conflict, an owner change needs evidence', async () => {
  const { id } = await createObject(db, { kind: 'manhole' });
  const v = (await detail(id)).version;
  const noEvidence = await api('PATCH', `/api/objects/${id}`, { version: v, owner_id: water.id });
  assert.equal(noEvidence.status, 400);
  const ok = await api('PATCH', `/api/objects/${id}`, { version: v, owner_id: water.id, evidence_ref: 'Акт 9', evidence_date: '2026-10-01', label: 'Люк 9' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.ownership_status, 'owned');
  assert.equal(ok.body.responsible.organisation.id, water.id);
  const stale = await api('PATCH', `/api/objects/${id}`, { version: v, label: 'Люк 10' });
  assert.equal(stale.status, 409);
  const history = (await detail(id)).history;
  assert.deepEqual(history.map((h) => h.kind), ['updated', 'status_changed']);
  assert.deepEqual(history[0]!.data.before, { label: null, owner_id: null, evidence_ref: null, evidence_date: null });
  assert.equal((await api('PATCH', `/api/objects/${id}`, { version: ok.body.version, ownership_status: 'ownerless' })).status, 400);
  const cleared = await api('PATCH', `/api/objects/${id}`, { version: ok.body.version, owner_id: null, evidence_ref: 'Лист 3', evidence_date: '2026-11-20' });
  assert.equal(cleared.status, 200);
  assert.equal(cleared.body.ownership_status, 'under_investigation');
  assert.deepEqual(cleared.body.history.at(-1).data, { before: { ownership_status: 'owned' }, after: { ownership_status: 'under_investigation' } });
});

test('the owner of a disputed object is settled by resolving claims, not by an edit', async () => {
  const { id } = await createObject(db, { kind: 'manhole', ownerId: water.id });
  await api('POST', `/api/objects/${id}/claims`, claim(telecom.id, 'ours'));
  const d = await detail(id);
  const res = await api('PATCH', `/api/objects/${id}`, { version: d.version, owner_id: telecom.id, evidence_ref: 'Акт', evidence_date: '2026-10-01' });
  assert.equal(res.status, 409);
  assert.equal((await detail(id)).owner!.id, water.id);
});
