// Outages and telephonograms on a hand-made small city: which addresses each kind of zone notifies, edits, cancels, the clock, bad input and the HTTP API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createOrganisation } from '../testing/factories/auth.js';
import {
  createAddress, createSmallCity, createTestOutage, liveKeys, placeObject, polygonZone, SQUARE, WATER_MAIN, type SmallCity,
} from '../testing/factories/outages.js';
import { ManualClock, HOUR } from '../clock.js';
import type { Db } from '../db/db.js';
import { cancelOutage, resolveOutage, updateOutage } from './outages.js';
import { advanceOutageStatuses, startOutageSchedule } from './clock-status.js';

let db: Db;
let city: SmallCity;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
let operator: Record<string, string>;

before(async () => {
  db = await testDb();
  city = await createSmallCity(db);
  server = await startTestServer(db, { clock });
  operator = (await loginAs(db, server.url, 'operator')).headers;
});
after(async () => { await server.close(); await db.close(); });

const now = () => clock.now();

async function api(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any, type: res.headers.get('content-type') };
}

const outageBody = (zone: unknown, over: Record<string, unknown> = {}) => ({
  utility: 'water', kind: 'emergency', executor_id: city.executor.id,
  starts_at: '2026-11-23T08:00:00Z', ends_at: '2026-11-23T18:00:00Z', public_text: 'Аварія на водогоні', zone, ...over,
});

async function counts() {
  const [row] = await db.sql<{ outages: number; telephonograms: number }>(
    'SELECT (SELECT count(*)::int FROM outages) AS outages, (SELECT count(*)::int FROM telephonograms) AS telephonograms');
  return row!;
}

test('a polygon zone attaches exactly the addresses inside it, those on its edges and corner included', async () => {
  const { outage, telephonograms } = await createTestOutage(db, city, { zone: polygonZone() });
  const expected = ['buchmy 12', 'buchmy 13', 'buchmy 14', 'buchmy 15', 'buchmy 16', 'heroiv 7'];
  assert.deepEqual(await liveKeys(db, city, outage.id), expected);
  assert.equal(telephonograms.attached, expected.length);
  assert.equal(outage.address_count, expected.length);
  assert.equal(outage.status, 'active');
  const [t] = await db.sql<{ text: string }>('SELECT text FROM telephonograms WHERE outage_id = $id LIMIT 1', { id: outage.id });
  assert.equal(t!.text, 'Аварія на водогоні, води немає');
});

test('a buffered-line zone attaches the addresses within the buffer and not those just beyond it', async () => {
  const { outage } = await createTestOutage(db, city, { zone: { source: 'line', geojson: JSON.stringify(WATER_MAIN), objectId: null, bufferM: 30 } });
  // 20 m and 29 m beside the line, 25 m past its end (the round cap): in. 31 m beside, 35 m past the end: out.
  assert.deepEqual(await liveKeys(db, city, outage.id), ['serdiuka 1', 'serdiuka 3', 'serdiuka 7']);
});

test('a network line of an infrastructure object, buffered, is a zone too', async () => {
  const main = await placeObject(db, { kind: 'water_line', wkt: 'LINESTRING(36.3 50.001, 36.31 50.001)', ownerId: city.executor.id });
  const { outage } = await createTestOutage(db, city, { zone: { source: 'line', geojson: null, objectId: main, bufferM: 30 } });
  assert.deepEqual(await liveKeys(db, city, outage.id), ['serdiuka 1', 'serdiuka 3', 'serdiuka 7']);
  assert.deepEqual(outage.zone_source, { kind: 'line', buffer_m: 30, object_id: main });
});

test('a street-range zone attaches the named houses, both ends included, and not a neighbour inside its drawing', async () => {
  const { outage } = await createTestOutage(db, city, { zone: { source: 'street_range', streetId: city.streets.buchmy, houseFrom: 12, houseTo: 18, parity: null } });
  assert.deepEqual(await liveKeys(db, city, outage.id),
    ['buchmy 12', 'buchmy 13', 'buchmy 14', 'buchmy 15', 'buchmy 16', 'buchmy 18', 'buchmy 18-Д']);
  // Героїв Праці 7 stands 2 m from Бучми 14: inside the drawn shape, yet not one of the named houses.
  const [inside] = await db.sql<{ inside: boolean }>(
    'SELECT ST_Intersects(o.zone, a.point) AS inside FROM outages o, addresses a WHERE o.id = $o AND a.id = $a',
    { o: outage.id, a: city.addresses['heroiv 7'] });
  assert.equal(inside!.inside, true);
});

test('a street range can keep to one side of the street', async () => {
  const { outage } = await createTestOutage(db, city, { zone: { source: 'street_range', streetId: city.streets.buchmy, houseFrom: 12, houseTo: 18, parity: 'even' } });
  assert.deepEqual(await liveKeys(db, city, outage.id), ['buchmy 12', 'buchmy 14', 'buchmy 16', 'buchmy 18', 'buchmy 18-Д']);
});

test('an address-list zone attaches the listed addresses and draws them', async () => {
  const ids = [city.addresses['gagarina 20']!, city.addresses['marianska 5']!];
  const { outage } = await createTestOutage(db, city, { zone: { source: 'addresses', addressIds: ids } });
  assert.deepEqual(await liveKeys(db, city, outage.id), ['gagarina 20', 'marianska 5']);
  assert.equal((outage.zone as { type: string }).type, 'MultiPolygon');
});

test('editing the zone withdraws the addresses left outside, attaches the new ones and leaves the rest untouched', async () => {
  const { outage } = await createTestOutage(db, city, { zone: polygonZone() });
  const before = await db.sql<{ id: number; address_id: number }>('SELECT id, address_id FROM telephonograms WHERE outage_id = $id', { id: outage.id });
  const shifted = { type: 'Polygon', coordinates: [[[36.303, 49.9998], [36.305, 49.9998], [36.305, 50.0004], [36.303, 50.0004], [36.303, 49.9998]]] };
  clock.advance(5 * 60_000);
  const result = await updateOutage(db, outage.id, { version: outage.version, zone: polygonZone(shifted) }, city.operator, now());
  assert.deepEqual(await liveKeys(db, city, outage.id), ['buchmy 14', 'buchmy 15', 'buchmy 16', 'buchmy 18', 'heroiv 7']);
  assert.deepEqual(result.telephonograms, { attached: 1, withdrawn: 2 });
  assert.equal(result.outage.version, outage.version + 1);
  const withdrawn = await db.sql<{ address_id: number; withdrawn_reason: string }>(
    'SELECT address_id, withdrawn_reason FROM telephonograms WHERE outage_id = $id AND withdrawn_at IS NOT NULL ORDER BY address_id', { id: outage.id });
  assert.deepEqual(withdrawn.map((w) => [city.keyOf(w.address_id), w.withdrawn_reason]), [['buchmy 12', 'zone_changed'], ['buchmy 13', 'zone_changed']]);
  // Kept notices are the same rows, attached when they were first read out.
  const kept = await db.sql<{ id: number }>('SELECT id FROM telephonograms WHERE outage_id = $id AND withdrawn_at IS NULL', { id: outage.id });
  const keptBefore = before.filter((b) => ['buchmy 14', 'buchmy 15', 'buchmy 16', 'heroiv 7'].includes(city.keyOf(b.address_id))).map((b) => b.id).sort();
  assert.deepEqual(kept.map((k) => k.id).filter((id) => keptBefore.includes(id)).sort(), keptBefore);
});

test('a new public text re-issues the telephonograms and the old text stays on the withdrawn ones', async () => {
  const { outage } = await createTestOutage(db, city, { zone: polygonZone(), publicText: 'Води немає до 18:00' });
  const result = await updateOutage(db, outage.id, { version: outage.version, publicText: 'Води немає до 21:00' }, city.operator, now());
  assert.deepEqual(result.telephonograms, { attached: 6, withdrawn: 6 });
  const rows = await db.sql<{ text: string; live: boolean; withdrawn_reason: string | null }>(
    'SELECT text, withdrawn_at IS NULL AS live, withdrawn_reason FROM telephonograms WHERE outage_id = $id', { id: outage.id });
  assert.ok(rows.filter((r) => r.live).every((r) => r.text === 'Води немає до 21:00'));
  assert.ok(rows.filter((r) => !r.live).every((r) => r.text === 'Води немає до 18:00' && r.withdrawn_reason === 'text_changed'));
});

test('cancelling an outage withdraws every telephonogram it attached', async () => {
  const { outage } = await createTestOutage(db, city, { zone: polygonZone() });
  const result = await cancelOutage(db, outage.id, { version: null, note: null }, city.operator, now());
  assert.equal(result.outage.status, 'cancelled');
  assert.equal(result.telephonograms.withdrawn, 6);
  assert.deepEqual(await liveKeys(db, city, outage.id), []);
  const [r] = await db.sql<{ reasons: string[] }>('SELECT array_agg(DISTINCT withdrawn_reason) AS reasons FROM telephonograms WHERE outage_id = $id', { id: outage.id });
  assert.deepEqual(r!.reasons, ['cancelled']);
  await assert.rejects(updateOutage(db, outage.id, { version: result.outage.version, publicText: 'x' }, city.operator, now()), /cancelled; it can no longer be changed/);
});

test('the status clock activates a scheduled outage at its start and resolves it at its end, withdrawing its notices', async () => {
  const start = new Date(now().getTime() + HOUR);
  const { outage } = await createTestOutage(db, city, { zone: polygonZone(), kind: 'planned', startsAt: start, endsAt: new Date(start.getTime() + 2 * HOUR), now: now() });
  assert.equal(outage.status, 'scheduled');
  assert.equal(outage.address_count, 6, 'an upcoming outage is announced at once');
  let step = await advanceOutageStatuses(db, new Date(start.getTime() - 1000));
  assert.ok(!step.activated.includes(outage.id));
  step = await advanceOutageStatuses(db, start);
  assert.ok(step.activated.includes(outage.id));
  step = await advanceOutageStatuses(db, new Date(start.getTime() + 2 * HOUR));
  assert.ok(step.resolved.includes(outage.id));
  const [o] = await db.sql<{ status: string }>('SELECT status FROM outages WHERE id = $id', { id: outage.id });
  assert.equal(o!.status, 'resolved');
  assert.deepEqual(await liveKeys(db, city, outage.id), []);
  const [r] = await db.sql<{ reasons: string[] }>('SELECT array_agg(DISTINCT withdrawn_reason) AS reasons FROM telephonograms WHERE outage_id = $id', { id: outage.id });
  assert.deepEqual(r!.reasons, ['resolved']);
});

test('resolving by hand records the actual end and refuses an outage that has not started', async () => {
  const { outage } = await createTestOutage(db, city, { zone: polygonZone() });
  const result = await resolveOutage(db, outage.id, { version: outage.version, note: null }, city.operator, now());
  assert.equal(result.outage.status, 'resolved');
  assert.equal(result.outage.ends_at, now().toISOString());
  const { outage: later } = await createTestOutage(db, city, { zone: polygonZone(), kind: 'planned', startsAt: new Date(now().getTime() + HOUR), endsAt: new Date(now().getTime() + 2 * HOUR), now: now() });
  await assert.rejects(resolveOutage(db, later.id, { version: null, note: null }, city.operator, now()), /has not started yet/);
});

test('POST /api/outages saves an outage, attaches its telephonograms and answers with public fields only', async () => {
  const res = await api('POST', '/api/outages', operator, outageBody({ polygon: SQUARE }));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.telephonograms.attached, 6);
  assert.equal(res.body.outage.executor.name, 'Харківводоканал');
  assert.equal(res.body.outage.zone.type, 'MultiPolygon');
  assert.ok(!('created_by' in res.body.outage));
  const got = await api('GET', `/api/outages/${res.body.outage.id}`, {});
  assert.equal(got.status, 200);
  assert.equal(got.body.public_text, 'Аварія на водогоні');
  assert.equal(got.body.address_count, 6);
});

test('the public list shows active and upcoming outages as GeoJSON features, filtered by bbox', async () => {
  const all = await api('GET', '/api/outages', {});
  assert.equal(all.status, 200);
  assert.equal(all.body.type, 'FeatureCollection');
  assert.ok(all.body.features.length > 0);
  assert.ok(all.body.features.every((f: any) => ['scheduled', 'active'].includes(f.properties.status) && f.geometry.type === 'MultiPolygon'));
  assert.ok(all.body.features.every((f: any) => !JSON.stringify(f).includes('created_by')));
  const elsewhere = await api('GET', '/api/outages?bbox=30.4,50.4,30.6,50.5', {});
  assert.equal(elsewhere.body.features.length, 0);
  const here = await api('GET', '/api/outages?bbox=36.29,49.99,36.32,50.01', {});
  assert.equal(here.body.features.length, all.body.features.length);
  assert.equal((await api('GET', '/api/outages?bbox=1,2,3', {})).status, 400);
});

test('preview counts the addresses a zone would notify without saving anything', async () => {
  const before = await counts();
  const res = await api('POST', '/api/outages/preview', operator, { zone: { line: WATER_MAIN, buffer_m: 30 } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.address_count, 3);
  assert.equal(res.body.zone.type, 'MultiPolygon');
  assert.deepEqual(await counts(), before);
});

test('a drawn zone in the city over no address is saved with a warning, and the preview warns the same', async () => {
  const yard = { type: 'Polygon', coordinates: [[[36.3062, 50.0015], [36.3068, 50.0015], [36.3068, 50.002], [36.3062, 50.002], [36.3062, 50.0015]]] };
  const preview = await api('POST', '/api/outages/preview', operator, { zone: { polygon: yard } });
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  assert.equal(preview.body.address_count, 0);
  assert.deepEqual(preview.body.warnings, ['The zone covers no address: no telephonogram will be attached.']);
  const saved = await api('POST', '/api/outages', operator, outageBody({ polygon: yard }));
  assert.equal(saved.status, 201, JSON.stringify(saved.body));
  assert.equal(saved.body.telephonograms.attached, 0);
  assert.deepEqual(saved.body.warnings, ['The zone covers no address: no telephonogram will be attached.']);
  const covering = await api('POST', '/api/outages', operator, outageBody({ polygon: SQUARE }));
  assert.deepEqual(covering.body.warnings, []);
});

test('bad zones and windows are refused with the field to fix, and nothing is saved or attached', async () => {
  const before = await counts();
  const bowtie = { type: 'Polygon', coordinates: [[[36.302, 49.9998], [36.304, 50.0004], [36.304, 49.9998], [36.302, 50.0004], [36.302, 49.9998]]] };
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['a self-intersecting polygon', outageBody({ polygon: bowtie }), 'zone.polygon', /Self-intersection.*refused rather than repaired/],
    ['an empty polygon', outageBody({ polygon: { type: 'Polygon', coordinates: [] } }), 'zone.polygon.coordinates', /empty/],
    ['a polygon with no area', outageBody({ polygon: { type: 'Polygon', coordinates: [[[36.302, 50], [36.303, 50], [36.304, 50], [36.302, 50]]] } }), 'zone.polygon', /not valid|no area/],
    ['an unclosed ring', outageBody({ polygon: { type: 'Polygon', coordinates: [[[36.302, 50], [36.303, 50], [36.303, 50.001], [36.302, 50.001]]] } }), 'zone.polygon.coordinates[0]', /not closed/],
    ['a zone outside the city', outageBody({ polygon: { type: 'Polygon', coordinates: [[[30.5, 50.4], [30.6, 50.4], [30.6, 50.5], [30.5, 50.4]]] } }), 'zone.polygon', /outside the city/],
    ['a line outside the city', outageBody({ line: { type: 'LineString', coordinates: [[30.5, 50.4], [30.6, 50.4]] }, buffer_m: 30 }), 'zone.line', /outside the city/],
    ['a polygon over a whole region', outageBody({ polygon: { type: 'Polygon', coordinates: [[[36, 49.5], [37, 49.5], [37, 50.5], [36, 50.5], [36, 49.5]]] } }), 'zone.polygon', /more than the 1000 km²/],
    ['a polygon outside the world', outageBody({ polygon: { type: 'Polygon', coordinates: [[[36.3, 50], [236.3, 50], [36.3, 51], [36.3, 50]]] } }), 'zone.polygon.coordinates[0][1]', /not a longitude\/latitude/],
    ['a zero buffer', outageBody({ line: WATER_MAIN, buffer_m: 0 }), 'zone.buffer_m', /at least 1 m/],
    ['a negative buffer', outageBody({ line: WATER_MAIN, buffer_m: -5 }), 'zone.buffer_m', /at least 1 m/],
    ['an absurd buffer', outageBody({ line: WATER_MAIN, buffer_m: 50_000 }), 'zone.buffer_m', /at most 2000 m/],
    ['an end before the start', outageBody({ polygon: SQUARE }, { ends_at: '2026-11-23T07:00:00Z' }), 'ends_at', /not after the start/],
    ['planned work with no end', outageBody({ polygon: SQUARE }, { kind: 'planned', ends_at: null }), 'ends_at', /needs an expected end/],
    ['two zones at once', outageBody({ polygon: SQUARE, address_ids: [1] }), 'zone', /only one of/],
    ['an unknown utility', outageBody({ polygon: SQUARE }, { utility: 'lava' }), 'utility', /no utility 'lava'/],
    ['a street range that names no house', outageBody({ street_id: city.streets.buchmy, house_from: 100, house_to: 120 }), 'zone.house_from', /no address among houses 100–120/],
    ['an address list with an unknown id', outageBody({ address_ids: [city.addresses['buchmy 12'], 999_999] }), 'zone.address_ids', /999999/],
    ['a point object as a network line', outageBody({ line: { object_id: -1 }, buffer_m: 10 }), 'zone.line.object_id', /expected the id/],
  ];
  for (const [what, body, field, message] of cases) {
    const res = await api('POST', '/api/outages', operator, body);
    assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(res.type, 'application/problem+json', what);
    const error = res.body.errors?.find((e: { field: string }) => e.field === field);
    assert.ok(error, `${what}: no error on ${field} in ${JSON.stringify(res.body.errors)}`);
    assert.match(error.message, message, what);
  }
  const well = await placeObject(db, { kind: 'well', wkt: 'POINT(36.303 50.0005)' });
  const pointObject = await api('POST', '/api/outages', operator, outageBody({ line: { object_id: well }, buffer_m: 10 }));
  assert.equal(pointObject.status, 400);
  assert.match(pointObject.body.errors[0].message, /is a well, not a network line/);
  const after = await counts();
  assert.equal(after.outages, before.outages);
  assert.equal(after.telephonograms, before.telephonograms);
});

test('two operators editing the same version: the second gets a conflict, not a silent overwrite', async () => {
  const created = await api('POST', '/api/outages', operator, outageBody({ polygon: SQUARE }));
  const { id, version } = created.body.outage;
  const second = (await loginAs(db, server.url, 'operator')).headers;
  const first = await api('PATCH', `/api/outages/${id}`, operator, { version, public_text: 'Перший оператор' });
  assert.equal(first.status, 200);
  const late = await api('PATCH', `/api/outages/${id}`, second, { version, public_text: 'Другий оператор' });
  assert.equal(late.status, 409);
  assert.match(late.body.detail, /changed by someone else/);
  assert.equal((await api('GET', `/api/outages/${id}`, {})).body.public_text, 'Перший оператор');
  assert.equal((await api('PATCH', `/api/outages/${id}`, second, { public_text: 'без версії' })).status, 400);
});

/** Every telephonogram row of an outage with its state, to show that a refused request changed none. */
async function telephonogramRows(outageId: number) {
  return db.sql<{ id: number; address_id: number; withdrawn_at: Date | null; text: string }>(
    'SELECT id, address_id, withdrawn_at, text FROM telephonograms WHERE outage_id = $outageId ORDER BY id', { outageId });
}

test('two operators moving the same zone at the same moment: one wins, the other gets a conflict, and only the winner\'s addresses are notified', async () => {
  const created = await api('POST', '/api/outages', operator, outageBody({ polygon: SQUARE }));
  const { id, version } = created.body.outage;
  const second = (await loginAs(db, server.url, 'operator')).headers;
  const shifted = { type: 'Polygon', coordinates: [[[36.303, 49.9998], [36.305, 49.9998], [36.305, 50.0004], [36.303, 50.0004], [36.303, 49.9998]]] };
  const [a, b] = await Promise.all([
    api('PATCH', `/api/outages/${id}`, operator, { version, zone: { polygon: shifted } }),
    api('PATCH', `/api/outages/${id}`, second, { version, zone: { line: WATER_MAIN, buffer_m: 30 } }),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [200, 409], JSON.stringify([a.body, b.body]));
  const squareWon = a.status === 200;
  const winner = squareWon ? ['buchmy 14', 'buchmy 15', 'buchmy 16', 'buchmy 18', 'heroiv 7'] : ['serdiuka 1', 'serdiuka 3', 'serdiuka 7'];
  const loserOnly = squareWon ? ['serdiuka 1', 'serdiuka 3', 'serdiuka 7'] : ['buchmy 18'];
  assert.match((squareWon ? b : a).body.detail, /changed by someone else/);
  assert.deepEqual(await liveKeys(db, city, id), winner);
  const everAttached = (await telephonogramRows(id)).map((t) => city.keyOf(t.address_id));
  assert.deepEqual(everAttached.filter((k) => loserOnly.includes(k)), [], 'the losing edit attached nothing, not even for a moment');
  const now = await api('GET', `/api/outages/${id}`, {});
  assert.equal(now.body.version, version + 1);
  assert.equal(now.body.address_count, winner.length);
});

test('a refused edit of a live outage (bad zone, end before start, end already past) changes neither the outage nor a telephonogram', async () => {
  const created = await api('POST', '/api/outages', operator, outageBody({ polygon: SQUARE }));
  const { id, version } = created.body.outage;
  const rowsBefore = await telephonogramRows(id);
  const bowtie = { type: 'Polygon', coordinates: [[[36.302, 49.9998], [36.304, 50.0004], [36.304, 49.9998], [36.302, 50.0004], [36.302, 49.9998]]] };
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a self-intersecting polygon', { zone: { polygon: bowtie } }, 'zone.polygon', /refused rather than repaired/],
    ['a zone outside the city', { zone: { polygon: { type: 'Polygon', coordinates: [[[30.5, 50.4], [30.6, 50.4], [30.6, 50.5], [30.5, 50.4]]] } } }, 'zone.polygon', /outside the city/],
    ['a zero buffer', { zone: { line: WATER_MAIN, buffer_m: 0 } }, 'zone.buffer_m', /at least 1 m/],
    ['an absurd buffer', { zone: { line: WATER_MAIN, buffer_m: 1e9 } }, 'zone.buffer_m', /at most 2000 m/],
    ['an end before the start', { ends_at: '2026-11-23T07:00:00Z' }, 'ends_at', /not after the start/],
    ['a start moved after the end', { starts_at: '2026-11-23T19:00:00Z' }, 'ends_at', /not after the start/],
    ['an end already past', { ends_at: '2026-11-23T08:30:00Z' }, 'ends_at', /already past/],
    ['a street range that ends before it starts', { zone: { street_id: city.streets.buchmy, house_from: 18, house_to: 12 } }, 'zone.house_to', /ends \(12\) before it starts \(18\)/],
  ];
  for (const [what, patch, field, message] of cases) {
    const res = await api('PATCH', `/api/outages/${id}`, operator, { version, ...patch });
    assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
    const error = res.body.errors?.find((e: { field: string }) => e.field === field);
    assert.ok(error, `${what}: no error on ${field} in ${JSON.stringify(res.body.errors)}`);
    assert.match(error.message, message, what);
  }
  const after = await api('GET', `/api/outages/${id}`, {});
  assert.equal(after.body.version, version);
  assert.equal(after.body.ends_at, '2026-11-23T18:00:00.000Z');
  assert.deepEqual(await telephonogramRows(id), rowsBefore);
});

test('only staff who manage outages may write them; an executor only its own', async () => {
  assert.equal((await api('POST', '/api/outages', {}, outageBody({ polygon: SQUARE }))).status, 401);
  const inspector = (await loginAs(db, server.url, 'inspector')).headers;
  assert.equal((await api('POST', '/api/outages', inspector, outageBody({ polygon: SQUARE }))).status, 403);
  const other = await createOrganisation(db, { name: 'Харківгаз' });
  const gas = (await loginAs(db, server.url, 'executor', { organisationId: other.id })).headers;
  assert.equal((await api('POST', '/api/outages', gas, outageBody({ polygon: SQUARE }))).status, 403);
  const own = await api('POST', '/api/outages', gas, outageBody({ polygon: SQUARE }, { utility: 'gas', executor_id: undefined }));
  assert.equal(own.status, 201, JSON.stringify(own.body));
  assert.equal(own.body.outage.executor.id, other.id);
  const water = (await loginAs(db, server.url, 'executor', { organisationId: city.executor.id })).headers;
  assert.equal((await api('POST', `/api/outages/${own.body.outage.id}/cancel`, water, {})).status, 403);
  assert.equal((await api('POST', `/api/outages/${own.body.outage.id}/cancel`, gas, {})).status, 200);
});

test('a manual telephonogram goes to the chosen addresses, and one unknown address attaches none', async () => {
  const ids = [city.addresses['gagarina 20А']!, city.addresses['gagarina 22']!];
  const before = await counts();
  const bad = await api('POST', '/api/telephonograms', operator, { address_ids: [...ids, 999_999], text: 'Перевірка лічильників 25.11' });
  assert.equal(bad.status, 400);
  assert.equal((await counts()).telephonograms, before.telephonograms);
  const ok = await api('POST', '/api/telephonograms', operator, { address_ids: ids, text: 'Перевірка лічильників 25.11', valid_until: '2026-11-26T00:00:00Z' });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.telephonograms.length, 2);
  const withdrawn = await api('POST', `/api/telephonograms/${ok.body.telephonograms[0].id}/withdraw`, operator, {});
  assert.equal(withdrawn.status, 200);
  assert.equal((await api('POST', `/api/telephonograms/${ok.body.telephonograms[0].id}/withdraw`, operator, {})).status, 404);
  const step = await advanceOutageStatuses(db, new Date('2026-11-26T00:00:00Z'));
  assert.equal(step.expiredTelephonograms, 1);
});

test('an address created later inside a live zone gets its telephonogram, and not inside a cancelled one', async () => {
  const { outage: live } = await createTestOutage(db, city, { zone: polygonZone() });
  const { outage: range } = await createTestOutage(db, city, { zone: { source: 'street_range', streetId: city.streets.buchmy, houseFrom: 12, houseTo: 18, parity: null } });
  const { outage: gone } = await createTestOutage(db, city, { zone: polygonZone() });
  await cancelOutage(db, gone.id, { version: null, note: null }, city.operator, now());
  const inSquare = await createAddress(db, { streetId: city.streets.heroiv, streetName: 'Героїв Праці вулиця', house: '9', lon: 36.3035, lat: 50.0001 });
  const inRange = await createAddress(db, { streetId: city.streets.buchmy, streetName: 'Бучми вулиця', house: '16А', lon: 36.3045, lat: 50.0002 });
  const live1 = await db.sql<{ outage_id: number }>('SELECT outage_id FROM telephonograms WHERE address_id = $a AND withdrawn_at IS NULL', { a: inSquare });
  assert.ok(live1.some((r) => r.outage_id === live.id));
  assert.ok(!live1.some((r) => r.outage_id === gone.id));
  const live2 = await db.sql<{ outage_id: number; text: string }>('SELECT outage_id, text FROM telephonograms WHERE address_id = $a AND withdrawn_at IS NULL', { a: inRange });
  assert.ok(live2.some((r) => r.outage_id === range.id && r.text === 'Аварія на водогоні, води немає'), 'a new house inside a street range is one of the named houses');
  assert.ok(!live2.some((r) => r.outage_id === live.id), '36.3045 is east of the square');
});

test('an address moved out of a zone has its telephonogram withdrawn', async () => {
  const { outage } = await createTestOutage(db, city, { zone: polygonZone() });
  const id = await createAddress(db, { streetId: city.streets.heroiv, streetName: 'Героїв Праці вулиця', house: '11', lon: 36.3031, lat: 50.0001 });
  assert.ok((await liveKeys(db, city, outage.id)).includes(`#${id}`));
  await db.sql('UPDATE addresses SET point = ST_SetSRID(ST_MakePoint(36.31, 50.01), 4326) WHERE id = $id', { id });
  assert.ok(!(await liveKeys(db, city, outage.id)).includes(`#${id}`));
});

test('the status clock runs inside the server: as its clock moves, an outage becomes active and then resolved by itself', async () => {
  const own = new ManualClock(now());
  const start = new Date(own.now().getTime() + HOUR);
  const { outage } = await createTestOutage(db, city, { zone: polygonZone(), kind: 'planned', startsAt: start, endsAt: new Date(start.getTime() + HOUR), now: own.now() });
  const status = async () => (await db.sql<{ status: string }>('SELECT status FROM outages WHERE id = $id', { id: outage.id }))[0]!.status;
  const waitFor = async (wanted: string) => {
    const deadline = Date.now() + 10_000;
    while (await status() !== wanted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return status();
  };
  const schedule = startOutageSchedule({ db, clock: own, intervalMs: 50, log: () => {} });
  try {
    assert.deepEqual((await schedule.runNow()).activated, []);
    assert.equal(await status(), 'scheduled');
    own.set(start);
    assert.equal(await waitFor('active'), 'active');
    own.advance(HOUR);
    assert.equal(await waitFor('resolved'), 'resolved');
    assert.deepEqual(await liveKeys(db, city, outage.id), []);
  } finally {
    await schedule.stop();
  }
});
