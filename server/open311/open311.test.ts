// The GeoReport v2 conformance suite: every endpoint in both formats, the error cases, XML/JSON parity, the token flow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { ManualClock } from '../clock.js';
import {
  createAddress, createApiKey, createIntakeCity, createServiceCategory, createServiceArea, configWith,
} from '../testing/factories/tickets.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
let city: Awaited<ReturnType<typeof createIntakeCity>>;
let asking: string;
let address: { id: number; label: string };

const ATTRIBUTES = [
  { code: 'note', datatype: 'string', required: false, description: 'Що видно', order: 5 },
  { code: 'entrance', datatype: 'number', required: true, description: 'Під\'їзд', order: 1 },
  { code: 'since', datatype: 'datetime', required: false, description: 'З якого часу', order: 2 },
  { code: 'details', datatype: 'text', required: false, description: 'Подробиці', order: 3 },
  { code: 'scope', datatype: 'singlevaluelist', required: true, description: 'Де', order: 4,
    values: [{ key: 'flat', name: 'У квартирі' }, { key: 'building', name: 'У будинку' }] },
  { code: 'rooms', datatype: 'multivaluelist', required: false, description: 'Кімнати', order: 6,
    values: [{ key: 'kitchen', name: 'Кухня' }, { key: 'bath', name: 'Ванна' }] },
] as const;

// Names, e-mails and phones that must never come back from a public endpoint.
const PRIVATE = { first_name: 'Приватна', last_name: 'Особа-Ф7', email: 'private.f7@example.com', phone: '+380 67 777 0707' };

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock, config: configWith() });
  city = await createIntakeCity(db, { category: { nameUk: 'Не світить ліхтар', groupCode: 'lighting', deadlineClass: 'medium' } });
  asking = (await createServiceCategory(db, { nameUk: 'Протікає дах', groupCode: 'housing', attributes: ATTRIBUTES as never })).code;
  await createServiceArea(db, { executorId: city.executor.id, categoryCode: asking, rect: city.rect });
  address = await createAddress(db, { street: 'Бучми вулиця', house: '18д', lon: 36.36, lat: 50.03 });
});
after(async () => { await server.close(); await db.close(); });

// ---- helpers ---------------------------------------------------------------------------------

/** Array element names in Open311 XML (the same as the serializer's). */
const ARRAYS = new Set(['services', 'service_requests', 'errors', 'attributes', 'values', 'endpoints', 'formats']);

interface XmlNode { name: string; children: XmlNode[]; text: string }

/** A small XML reader for the answers under test: elements, text and the five entities, nothing else. */
function parseXml(xml: string): XmlNode {
  assert.match(xml, /^<\?xml version="1\.0" encoding="utf-8"\?>/);
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const decode = (s: string) => s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] as string);
  const stack: XmlNode[] = [{ name: '#root', children: [], text: '' }];
  const re = /<(\/?)([a-z_][a-z0-9_]*)(\/?)>|([^<]+)/gi;
  for (const m of body.matchAll(re)) {
    const top = stack[stack.length - 1]!;
    if (m[4] !== undefined) { top.text += decode(m[4]); continue; }
    if (m[1]) { const done = stack.pop()!; assert.equal(done.name, m[2]); continue; }
    const node: XmlNode = { name: m[2]!, children: [], text: '' };
    top.children.push(node);
    if (!m[3]) stack.push(node);
  }
  assert.equal(stack.length, 1, 'every element is closed');
  return stack[0]!.children[0]!;
}

function xmlToValue(node: XmlNode): unknown {
  if (ARRAYS.has(node.name)) return node.children.map(xmlToValue);
  if (node.children.length === 0) return node.text.trim() === '' ? '' : node.text;
  return Object.fromEntries(node.children.map((c) => [c.name, xmlToValue(c)]));
}

/** JSON as XML can say it: null is empty, numbers and booleans are text. */
function asXmlWould(value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(asXmlWould);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asXmlWould(v)]));
  return String(value);
}

async function both(path: string): Promise<{ json: unknown; xml: string; jsonStatus: number; xmlStatus: number }> {
  const j = await fetch(`${server.url}/open311/v2/${path.replace('{f}', 'json')}`);
  const x = await fetch(`${server.url}/open311/v2/${path.replace('{f}', 'xml')}`);
  assert.match(j.headers.get('content-type') ?? '', /^application\/json/);
  assert.match(x.headers.get('content-type') ?? '', /^text\/xml; charset=utf-8/);
  return { json: await j.json(), xml: await x.text(), jsonStatus: j.status, xmlStatus: x.status };
}

async function assertParity(path: string, root: string): Promise<unknown> {
  const { json, xml, jsonStatus, xmlStatus } = await both(path);
  assert.equal(jsonStatus, xmlStatus);
  const tree = parseXml(xml);
  assert.equal(tree.name, root);
  assert.deepEqual(xmlToValue(tree), asXmlWould(json));
  return json;
}

function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams(fields);
}

async function post(body: URLSearchParams | Record<string, unknown>, opts: { format?: 'json' | 'xml'; headers?: Record<string, string> } = {}) {
  const isForm = body instanceof URLSearchParams;
  return fetch(`${server.url}/open311/v2/requests.${opts.format ?? 'json'}`, {
    method: 'POST',
    headers: { 'content-type': isForm ? 'application/x-www-form-urlencoded' : 'application/json', ...opts.headers },
    body: isForm ? body.toString() : JSON.stringify(body),
  });
}

const okAttributes = { 'attribute[entrance]': '2', 'attribute[scope]': 'flat' };

async function ticketCount(): Promise<number> {
  return (await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM tickets'))[0]!.n;
}

/** Everything a POST could write: tickets, their contacts and events, stored Idempotency-Key answers. */
async function footprint(): Promise<Record<string, number>> {
  const [row] = await db.sql<Record<string, number>>(`SELECT (SELECT count(*) FROM tickets)::int AS tickets,
    (SELECT count(*) FROM ticket_contacts)::int AS contacts, (SELECT count(*) FROM ticket_events)::int AS events,
    (SELECT count(*) FROM idempotency_keys)::int AS idempotency_keys`);
  return row!;
}

async function created(res: Response): Promise<{ service_request_id: string; token: string; service_notice: string }> {
  assert.equal(res.status, 200, await res.clone().text());
  const [first] = await res.json() as { service_request_id: string; token: string; service_notice: string }[];
  return first!;
}

async function errorsOf(res: Response, status: number): Promise<{ code: number; description: string }[]> {
  assert.equal(res.status, status, await res.clone().text());
  const body = await res.json() as { code: number; description: string }[];
  assert.ok(Array.isArray(body) && body.length > 0, 'the spec\'s error list');
  for (const e of body) assert.equal(e.code, status);
  return body;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;

// ---- discovery and services ------------------------------------------------------------------

test('discovery names the GeoReport v2 endpoint and both formats, the same in JSON and XML', async () => {
  const d = await assertParity('discovery.{f}', 'discovery') as { endpoints: { specification: string; url: string; formats: string[] }[]; changeset: string };
  assert.equal(d.endpoints[0]!.specification, 'http://wiki.open311.org/GeoReport_v2');
  assert.equal(d.endpoints[0]!.url, `${server.url}/open311/v2/`);
  assert.deepEqual(d.endpoints[0]!.formats, ['text/xml', 'application/json']);
  assert.match(d.changeset, ISO_WITH_ZONE);
});

test('services lists the categories with their group, and metadata only where a category asks questions', async () => {
  const list = await assertParity('services.{f}', 'services') as { service_code: string; service_name: string; group: string; metadata: boolean; type: string }[];
  const plain = list.find((s) => s.service_code === city.category)!;
  const withQuestions = list.find((s) => s.service_code === asking)!;
  assert.deepEqual({ name: plain.service_name, group: plain.group, metadata: plain.metadata, type: plain.type },
    { name: 'Не світить ліхтар', group: 'lighting', metadata: false, type: 'realtime' });
  assert.equal(withQuestions.metadata, true);
  assert.equal(withQuestions.group, 'housing');
});

test('an inactive category is not offered as a service', async () => {
  const hidden = await createServiceCategory(db, { active: false });
  const list = await (await fetch(`${server.url}/open311/v2/services.json`)).json() as { service_code: string }[];
  assert.ok(!list.some((s) => s.service_code === hidden.code));
  await errorsOf(await fetch(`${server.url}/open311/v2/services/${hidden.code}.json`), 404);
});

test('a service definition gives every attribute datatype with required and order, lists with their values', async () => {
  const def = await assertParity(`services/${asking}.{f}`, 'service_definition') as {
    service_code: string;
    attributes: { code: string; datatype: string; required: boolean; order: number; variable: boolean; values?: { key: string; name: string }[] }[];
  };
  assert.equal(def.service_code, asking);
  assert.deepEqual(def.attributes.map((a) => [a.order, a.code, a.datatype, a.required]), [
    [1, 'entrance', 'number', true], [2, 'since', 'datetime', false], [3, 'details', 'text', false],
    [4, 'scope', 'singlevaluelist', true], [5, 'note', 'string', false], [6, 'rooms', 'multivaluelist', false],
  ]);
  assert.deepEqual(def.attributes.find((a) => a.code === 'rooms')!.values, [{ key: 'kitchen', name: 'Кухня' }, { key: 'bath', name: 'Ванна' }]);
  assert.equal(def.attributes.find((a) => a.code === 'note')!.values, undefined);
  assert.ok(def.attributes.every((a) => a.variable === true));
});

test('an unknown service code is a 404 error list in both formats', async () => {
  const { json, xml, jsonStatus, xmlStatus } = await both('services/no_such_service.{f}');
  assert.equal(jsonStatus, 404);
  assert.equal(xmlStatus, 404);
  assert.deepEqual(json, [{ code: 404, description: 'service_code no_such_service not found' }]);
  assert.deepEqual(xmlToValue(parseXml(xml)), [{ code: '404', description: 'service_code no_such_service not found' }]);
});

// ---- POST requests ---------------------------------------------------------------------------

test('a form-urlencoded POST with lat, long and attributes creates a ticket and answers with id, token and notice', async () => {
  const res = await post(form({
    api_key: 'test-key', service_code: asking, lat: '50.03', long: '36.36', description: 'Тече стеля на 9 поверсі',
    ...okAttributes, 'attribute[rooms][]': 'kitchen', 'attribute[since]': '2026-11-23T07:00:00+02:00', ...PRIVATE,
    media_url: 'https://example.com/photo.jpg',
  }));
  const r = await created(res);
  assert.match(r.service_request_id, /^\d+$/);
  assert.match(r.token, /^[0-9a-f-]{36}$/);
  assert.match(r.service_notice, new RegExp(`Виконавець: ${city.executor.name}\\. Термін виконання — до \\d{2}\\.\\d{2}\\.\\d{4} \\d{2}:\\d{2}`));
  const [row] = await db.sql<{ source: string; attributes: unknown; category_code: string; description: string; media_url: string }>(
    'SELECT source, attributes, category_code, description, media_url FROM tickets WHERE id = $id', { id: Number(r.service_request_id) });
  assert.deepEqual(row, {
    source: 'open311', category_code: asking, description: 'Тече стеля на 9 поверсі', media_url: 'https://example.com/photo.jpg',
    attributes: { entrance: 2, scope: 'flat', rooms: ['kitchen'], since: '2026-11-23T05:00:00.000Z' },
  });
  const [contact] = await db.sql('SELECT first_name, last_name, email, phone FROM ticket_contacts WHERE ticket_id = $id', { id: Number(r.service_request_id) });
  assert.deepEqual(contact, PRIVATE);
});

test('a JSON POST is accepted too, and a POST to requests.xml answers the same fields as requests.json', async () => {
  const fields = { api_key: 'test-key', service_code: city.category, lat: '50.032', long: '36.362', description: 'Паритет' };
  const json = await post({ ...fields, lat: 50.032, long: 36.362 });
  assert.equal(json.status, 200);
  assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
  const [j] = await json.json() as Record<string, string>[];
  const xml = await post(form(fields), { format: 'xml' });
  assert.equal(xml.status, 200);
  assert.match(xml.headers.get('content-type') ?? '', /^text\/xml; charset=utf-8/);
  const tree = parseXml(await xml.text());
  assert.equal(tree.name, 'service_requests');
  assert.deepEqual(tree.children.map((c) => c.name), ['request']);
  const [x] = xmlToValue(tree) as Record<string, string>[];
  // Two tickets: their ids and tokens differ, every other field (notice, account) is the same in both formats.
  assert.notEqual(x!.service_request_id, j!.service_request_id);
  assert.notEqual(x!.token, j!.token);
  assert.deepEqual({ ...x, service_request_id: 'id', token: 'token' }, asXmlWould({ ...j, service_request_id: 'id', token: 'token' }));
  assert.deepEqual(Object.keys(j!), ['service_request_id', 'token', 'service_notice', 'account_id']);
});

test('a location may be given by address_string or address_id instead of coordinates', async () => {
  const byText = await created(await post(form({ api_key: 'test-key', service_code: city.category, address_string: 'вул. Бучми, 18-Д' })));
  const byId = await created(await post(form({ api_key: 'test-key', service_code: city.category, address_id: String(address.id) })));
  for (const r of [byText, byId]) {
    const [req] = await (await fetch(`${server.url}/open311/v2/requests/${r.service_request_id}.json`)).json() as { address: string; address_id: string; lat: number; long: number }[];
    assert.equal(req!.address_id, String(address.id));
    assert.equal(req!.address, address.label);
    assert.deepEqual([req!.lat, req!.long], [50.03, 36.36]);
  }
});

test('an api_key issued in the api_keys table is accepted and recorded on the ticket; a revoked one is not', async () => {
  const issued = await createApiKey(db);
  const r = await created(await post(form({ api_key: issued.key, service_code: city.category, lat: '50.03', long: '36.36' })));
  const [row] = await db.sql<{ api_key_id: number }>('SELECT api_key_id FROM tickets WHERE id = $id', { id: Number(r.service_request_id) });
  assert.equal(row!.api_key_id, issued.id);
  const revoked = await createApiKey(db, { revoked: true });
  await errorsOf(await post(form({ api_key: revoked.key, service_code: city.category, lat: '50.03', long: '36.36' })), 403);
});

const badPosts: [string, Record<string, string>, number, RegExp][] = [
  ['a missing api_key', { service_code: 'X', lat: '50.03', long: '36.36' }, 400, /^api_key: is required/],
  ['a bad api_key', { api_key: 'wrong', service_code: 'X', lat: '50.03', long: '36.36' }, 403, /Invalid api_key/],
  ['an unknown service', { api_key: 'test-key', service_code: 'no_such_service', lat: '50.03', long: '36.36' }, 400, /^service_code: no_such_service is not a known service code/],
  ['a missing required attribute', { api_key: 'test-key', service_code: 'ASKING', lat: '50.03', long: '36.36', 'attribute[scope]': 'flat' }, 400, /^attribute\[entrance\]: is required/],
  ['a value outside a single-value list', { api_key: 'test-key', service_code: 'ASKING', lat: '50.03', long: '36.36', 'attribute[entrance]': '1', 'attribute[scope]': 'roof' }, 400, /^attribute\[scope\]: must be one of flat, building/],
  ['a number attribute that is not a number', { api_key: 'test-key', service_code: 'ASKING', lat: '50.03', long: '36.36', 'attribute[entrance]': 'третій', 'attribute[scope]': 'flat' }, 400, /^attribute\[entrance\]: must be a number/],
  ['an attribute the service does not have', { api_key: 'test-key', service_code: 'PLAIN', lat: '50.03', long: '36.36', 'attribute[colour]': 'red' }, 400, /^attribute\[colour\]: is not an attribute/],
  ['a latitude out of range', { api_key: 'test-key', service_code: 'PLAIN', lat: '95', long: '36.36' }, 400, /^lat: must be from -90 to 90/],
  ['a longitude that is not a number', { api_key: 'test-key', service_code: 'PLAIN', lat: '50.03', long: '36,36' }, 400, /^long: must be a number/],
  ['a latitude without a longitude', { api_key: 'test-key', service_code: 'PLAIN', lat: '50.03' }, 400, /^long: is required together with lat/],
  ['no location at all', { api_key: 'test-key', service_code: 'PLAIN' }, 400, /^lat: a location is required: lat and long, address_string or address_id/],
  ['an address that does not exist', { api_key: 'test-key', service_code: 'PLAIN', address_string: 'Неіснуюча 999' }, 400, /^address_string: no address matches/],
  ['an unknown address_id', { api_key: 'test-key', service_code: 'PLAIN', address_id: '999999' }, 400, /^address_id: no address has id 999999/],
  ['a description over 4000 characters', { api_key: 'test-key', service_code: 'PLAIN', lat: '50.03', long: '36.36', description: 'я'.repeat(4001) }, 400, /^description: must be at most 4000 characters/],
  ['a media_url that is not http', { api_key: 'test-key', service_code: 'PLAIN', lat: '50.03', long: '36.36', media_url: 'javascript:alert(1)' }, 400, /^media_url: must be an http or https URL/],
  ['an e-mail that is not one', { api_key: 'test-key', service_code: 'PLAIN', lat: '50.03', long: '36.36', email: 'nobody' }, 400, /^email: must be an e-mail address/],
];

for (const [i, [what, fields, status, description]] of badPosts.entries()) {
  test(`a POST with ${what} gets a ${status} error list, the same in XML, and writes nothing`, async () => {
    const before = await footprint();
    const body = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === 'ASKING' ? asking : v === 'PLAIN' ? city.category : v]));
    const headers = { 'Idempotency-Key': `refused-${i}` };
    const errors = await errorsOf(await post(form(body), { headers }), status);
    assert.ok(errors.some((e) => description.test(e.description)), JSON.stringify(errors));
    const xml = await post(form(body), { format: 'xml', headers });
    assert.equal(xml.status, status);
    const tree = parseXml(await xml.text());
    assert.equal(tree.name, 'errors');
    assert.ok(tree.children.every((c) => c.name === 'error'));
    assert.deepEqual(xmlToValue(tree), asXmlWould(errors));
    assert.deepEqual(await footprint(), before);
  });
}

test('a malformed JSON body gets the spec\'s error list, not another shape', async () => {
  const res = await fetch(`${server.url}/open311/v2/requests.xml`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"api_key":' });
  assert.equal(res.status, 400);
  assert.equal(parseXml(await res.text()).name, 'errors');
});

test('an unknown format, an unknown resource and a wrong method are Open311 errors too', async () => {
  await errorsOf(await fetch(`${server.url}/open311/v2/services.csv`), 404);
  await errorsOf(await fetch(`${server.url}/open311/v2/nothing.json`), 404);
  await errorsOf(await fetch(`${server.url}/open311/v2/services.json`, { method: 'DELETE' }), 405);
});

test('repeating a POST with the same Idempotency-Key returns the first answer instead of a second ticket', async () => {
  const body = form({ api_key: 'test-key', service_code: city.category, lat: '50.04', long: '36.37', description: 'Повтор' });
  const before = await ticketCount();
  const first = await post(body, { headers: { 'Idempotency-Key': 'retry-1' } });
  const firstBody = await first.text();
  const second = await post(body, { headers: { 'Idempotency-Key': 'retry-1' } });
  assert.equal(second.status, 200);
  assert.equal(second.headers.get('idempotent-replayed'), 'true');
  assert.equal(await second.text(), firstBody);
  assert.equal(await ticketCount(), before + 1);
  const other = await post(form({ api_key: 'test-key', service_code: city.category, lat: '50.04', long: '36.37', description: 'Інше' }), { headers: { 'Idempotency-Key': 'retry-1' } });
  await errorsOf(other, 422);
  assert.equal(await ticketCount(), before + 1);
});

test('the same Idempotency-Key sent twice at once still makes one ticket', async () => {
  const body = form({ api_key: 'test-key', service_code: city.category, lat: '50.041', long: '36.371' });
  const before = await ticketCount();
  const answers = await Promise.all([1, 2, 3].map(() => post(body, { headers: { 'Idempotency-Key': 'race-1' } })));
  const ids = await Promise.all(answers.map(async (a) => (await created(a)).service_request_id));
  assert.equal(new Set(ids).size, 1);
  assert.equal(await ticketCount(), before + 1);
});

test('a POST that fails after the ticket is written leaves nothing half-written, and its retry under the same key goes through', async () => {
  // The Idempotency-Key answer is the last write of the POST's transaction: make it fail there.
  await db.sql(`CREATE FUNCTION test_fail_late() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.key = 'fail-late' THEN RAISE EXCEPTION 'the disk is full'; END IF; RETURN NEW; END $$`);
  await db.sql('CREATE TRIGGER idempotency_keys__test_fail_late BEFORE INSERT ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION test_fail_late()');
  const body = form({ api_key: 'test-key', service_code: city.category, lat: '50.042', long: '36.372', description: 'Впаде наприкінці', email: 'late.failure@example.com' });
  try {
    const before = await footprint();
    const failed = await post(body, { headers: { 'Idempotency-Key': 'fail-late' } });
    await errorsOf(failed, 500);
    assert.deepEqual(await footprint(), before);
    const [leak] = await db.sql<{ n: number }>("SELECT count(*)::int AS n FROM ticket_contacts WHERE email = 'late.failure@example.com'");
    assert.equal(leak!.n, 0);
  } finally {
    await db.sql('DROP TRIGGER idempotency_keys__test_fail_late ON idempotency_keys');
    await db.sql('DROP FUNCTION test_fail_late()');
  }
  const before = await ticketCount();
  await created(await post(body, { headers: { 'Idempotency-Key': 'fail-late' } }));
  assert.equal(await ticketCount(), before + 1);
});

test('a POST refused for bad input stores no answer under its Idempotency-Key: the corrected retry makes the ticket', async () => {
  const before = await ticketCount();
  await errorsOf(await post(form({ api_key: 'test-key', service_code: city.category, lat: '95', long: '36.36' }), { headers: { 'Idempotency-Key': 'fix-1' } }), 400);
  const fixed = await created(await post(form({ api_key: 'test-key', service_code: city.category, lat: '50.043', long: '36.373' }), { headers: { 'Idempotency-Key': 'fix-1' } }));
  assert.match(fixed.service_request_id, /^\d+$/);
  assert.equal(await ticketCount(), before + 1);
});

test('an Idempotency-Key belongs to its api_key: another client using the same key gets its own ticket', async () => {
  const other = await createApiKey(db);
  const fields = { service_code: city.category, lat: '50.044', long: '36.374' };
  const a = await created(await post(form({ api_key: 'test-key', ...fields }), { headers: { 'Idempotency-Key': 'shared-1' } }));
  const b = await created(await post(form({ api_key: other.key, ...fields }), { headers: { 'Idempotency-Key': 'shared-1' } }));
  assert.notEqual(a.service_request_id, b.service_request_id);
  const replayed = await post(form({ api_key: other.key, ...fields }), { headers: { 'Idempotency-Key': 'shared-1' } });
  assert.equal((await created(replayed)).service_request_id, b.service_request_id);
});

test('a malformed Idempotency-Key is refused before any work', async () => {
  const before = await footprint();
  const res = await post(form({ api_key: 'test-key', service_code: city.category, lat: '50.03', long: '36.36' }), { headers: { 'Idempotency-Key': 'x'.repeat(201) } });
  const [e] = await errorsOf(res, 400);
  assert.match(e!.description, /^Idempotency-Key: /);
  assert.deepEqual(await footprint(), before);
});

// ---- GET requests ----------------------------------------------------------------------------

test('a service request shows status, notes, agency, notice, deadline and place, with zoned datetimes', async () => {
  const r = await created(await post(form({ api_key: 'test-key', service_code: city.category, lat: '50.035', long: '36.365', description: 'Ліхтар <не> світить & "давно"', ...PRIVATE })));
  for (const path of [`requests/${r.service_request_id}.{f}`, `request/${r.service_request_id}.{f}`]) {
    const [req] = await assertParity(path, 'service_requests') as Record<string, unknown>[];
    assert.deepEqual(Object.keys(req!).sort(), [
      'address', 'address_id', 'agency_responsible', 'description', 'expected_datetime', 'lat', 'long', 'media_url', 'requested_datetime',
      'service_code', 'service_name', 'service_notice', 'service_request_id', 'status', 'status_notes', 'updated_datetime', 'zipcode',
    ]);
    assert.equal(req!.status, 'open');
    assert.equal(req!.agency_responsible, city.executor.name);
    assert.equal(req!.description, 'Ліхтар <не> світить & "давно"');
    assert.equal(req!.service_notice, r.service_notice);
    // Kyiv is UTC+2 in November; the medium class is 72 hours.
    assert.equal(req!.requested_datetime, '2026-11-23T11:00:00+02:00');
    assert.equal(req!.expected_datetime, '2026-11-26T11:00:00+02:00');
    assert.match(String(req!.updated_datetime), ISO_WITH_ZONE);
  }
});

test('status_notes is the last public note of the ticket', async () => {
  const r = await created(await post(form({ api_key: 'test-key', service_code: city.category, lat: '50.036', long: '36.366' })));
  const id = Number(r.service_request_id);
  await db.sql(`INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, note, public) VALUES
    ($id, $at1, 'comment', 'operator', 'Бригаду відправлено', true), ($id, $at2, 'comment', 'operator', 'Внутрішня примітка', false)`,
  { id, at1: new Date('2026-11-23T10:00:00Z'), at2: new Date('2026-11-23T11:00:00Z') });
  const [req] = await (await fetch(`${server.url}/open311/v2/requests/${id}.json`)).json() as { status_notes: string; updated_datetime: string }[];
  assert.equal(req!.status_notes, 'Бригаду відправлено');
  assert.equal(req!.updated_datetime, '2026-11-23T13:00:00+02:00');
});

test('an unknown or malformed request id is a 404 error list', async () => {
  await errorsOf(await fetch(`${server.url}/open311/v2/requests/99999999.json`), 404);
  await errorsOf(await fetch(`${server.url}/open311/v2/requests/abc.json`), 404);
  const xml = await fetch(`${server.url}/open311/v2/request/99999999.xml`);
  assert.equal(xml.status, 404);
  assert.equal(parseXml(await xml.text()).name, 'errors');
});

test('GET requests filters by service_request_id list, service_code, status and bbox, in both formats alike', async () => {
  const a = await created(await post(form({ api_key: 'test-key', service_code: asking, lat: '50.021', long: '36.341', ...okAttributes })));
  const b = await created(await post(form({ api_key: 'test-key', service_code: city.category, lat: '50.049', long: '36.379' })));
  await db.sql("UPDATE tickets SET status = 'rejected', closed_at = now() WHERE id = $id", { id: Number(b.service_request_id) });

  const byIds = await assertParity(`requests.{f}?service_request_id=${b.service_request_id},${a.service_request_id}`, 'service_requests') as { service_request_id: string }[];
  assert.deepEqual(byIds.map((r) => r.service_request_id), [b.service_request_id, a.service_request_id]);

  const byCode = await assertParity(`requests.{f}?service_code=${asking}`, 'service_requests') as { service_code: string }[];
  assert.ok(byCode.length > 0 && byCode.every((r) => r.service_code === asking));

  const closed = await assertParity('requests.{f}?status=closed', 'service_requests') as { service_request_id: string; status: string }[];
  assert.deepEqual(closed.map((r) => [r.service_request_id, r.status]), [[b.service_request_id, 'closed']]);

  const inBox = await assertParity('requests.{f}?bbox=36.34,50.02,36.342,50.022', 'service_requests') as { service_request_id: string }[];
  assert.deepEqual(inBox.map((r) => r.service_request_id), [a.service_request_id]);
});

test('GET requests defaults to the last 90 days, newest first, and pages with page and page_size', async () => {
  clock.set('2026-07-01T09:00:00Z');
  const old = await created(await post(form({ api_key: 'test-key', service_code: city.category, lat: '50.03', long: '36.36' })));
  clock.set('2026-11-23T09:00:00Z');
  const recent = await (await fetch(`${server.url}/open311/v2/requests.json`)).json() as { service_request_id: string; requested_datetime: string }[];
  assert.ok(!recent.some((r) => r.service_request_id === old.service_request_id));
  const stamps = recent.map((r) => r.requested_datetime);
  assert.deepEqual([...stamps].sort().reverse(), stamps);
  const inJuly = await (await fetch(`${server.url}/open311/v2/requests.json?start_date=2026-06-15T00:00:00Z&end_date=2026-07-15T00:00:00%2B03:00`)).json() as { service_request_id: string }[];
  assert.deepEqual(inJuly.map((r) => r.service_request_id), [old.service_request_id]);

  const page1 = await (await fetch(`${server.url}/open311/v2/requests.json?page_size=2`)).json() as { service_request_id: string }[];
  const page2 = await (await fetch(`${server.url}/open311/v2/requests.json?page_size=2&page=2`)).json() as { service_request_id: string }[];
  assert.equal(page1.length, 2);
  assert.equal(page2.length, 2);
  assert.deepEqual(recent.slice(0, 4).map((r) => r.service_request_id), [...page1, ...page2].map((r) => r.service_request_id));
});

const badSearches: [string, string, string][] = [
  ['dates more than 90 days apart', 'start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z', 'end_date'],
  ['an end before the start', 'start_date=2026-06-01T00:00:00Z&end_date=2026-05-01T00:00:00Z', 'end_date'],
  ['a date without a zone', 'start_date=2026-06-01T00:00:00', 'start_date'],
  ['a date that is not one', 'end_date=yesterday', 'end_date'],
  ['an unknown status', 'status=pending', 'status'],
  ['a page size over 1000', 'page_size=1001', 'page_size'],
  ['a bbox upside down', 'bbox=36.4,50.1,36.3,50.0', 'bbox'],
  ['a malformed id list', 'service_request_id=1,x', 'service_request_id'],
  ['more than 1000 ids', `service_request_id=${Array.from({ length: 1001 }, (_, i) => i + 1).join(',')}`, 'service_request_id'],
  ['a day that does not exist', 'start_date=2026-02-30T00:00:00Z', 'start_date'],
  ['an hour that does not exist', 'end_date=2026-06-01T24:00:00Z', 'end_date'],
  ['a month that does not exist', 'start_date=2026-13-01', 'start_date'],
  ['a zone offset out of range', 'start_date=2026-06-01T00:00:00+25:00', 'start_date'],
  ['the year 0', 'start_date=0000-01-01T00:00:00Z', 'start_date'],
  ['a page size of 0', 'page_size=0', 'page_size'],
  ['a page that is not a number', 'page=first', 'page'],
  ['a bbox off the globe', 'bbox=-200,50,36,51', 'bbox'],
  ['a status given twice', 'status=open&status=closed', 'status'],
  ['an unknown service_code spelling', 'service_code=Bad Code', 'service_code'],
];
for (const [what, query, field] of badSearches) {
  test(`GET requests with ${what} is a 400 error naming ${field}, the same in XML`, async () => {
    const errors = await errorsOf(await fetch(`${server.url}/open311/v2/requests.json?${query}`), 400);
    assert.ok(errors.some((e) => e.description.startsWith(`${field}: `)), JSON.stringify(errors));
    const xml = await fetch(`${server.url}/open311/v2/requests.xml?${query}`);
    assert.equal(xml.status, 400);
    assert.deepEqual(xmlToValue(parseXml(await xml.text())), asXmlWould(errors));
  });
}

test('start_date and end_date exactly 90 days apart are accepted, one second more is not', async () => {
  const ok = await fetch(`${server.url}/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:00Z`);
  assert.equal(ok.status, 200);
  assert.ok(Array.isArray(await ok.json()));
  await errorsOf(await fetch(`${server.url}/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:01Z`), 400);
  // Offsets count: 90 days in UTC, though the local dates look 90 days apart too.
  await errorsOf(await fetch(`${server.url}/open311/v2/requests.json?start_date=2026-01-01T00:00:00%2B02:00&end_date=2026-04-01T00:00:00-01:00`), 400);
});

test('dates at the edges of the calendar answer with an empty list in both formats, not a server error', async () => {
  for (const query of ['start_date=9999-12-01T00:00:00Z', 'end_date=1000-01-02', 'start_date=1000-01-01&end_date=1000-03-01']) {
    const list = await assertParity(`requests.{f}?${query}`, 'service_requests');
    assert.deepEqual(list, [], query);
  }
});

// ---- tokens ----------------------------------------------------------------------------------

test('the token flow: POST gives a token, tokens/{token} gives the id, the id gives the request, the token rates it', async () => {
  const r = await created(await post(form({ api_key: 'test-key', service_code: city.category, lat: '50.037', long: '36.367' })));
  const [t] = await assertParity(`tokens/${r.token}.{f}`, 'service_requests') as { service_request_id: string; token: string }[];
  assert.deepEqual(t, { service_request_id: r.service_request_id, token: r.token });
  const [req] = await (await fetch(`${server.url}/open311/v2/requests/${t!.service_request_id}.json`)).json() as { status: string }[];
  assert.equal(req!.status, 'open');
  await db.sql("UPDATE tickets SET status = 'done', done_at = $now WHERE id = $id", { id: Number(r.service_request_id), now: clock.now() });
  const rated = await fetch(`${server.url}/api/public/tickets/${r.token}/rating`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"rating": 5}' });
  assert.equal(rated.status, 200);
  const [after] = await (await fetch(`${server.url}/open311/v2/requests/${r.service_request_id}.json`)).json() as { status: string }[];
  assert.equal(after!.status, 'closed');
});

test('an unknown or malformed token is a 404 error list', async () => {
  await errorsOf(await fetch(`${server.url}/open311/v2/tokens/00000000-0000-4000-8000-000000000000.json`), 404);
  await errorsOf(await fetch(`${server.url}/open311/v2/tokens/not-a-token.json`), 404);
});

// ---- privacy ---------------------------------------------------------------------------------

test('no public Open311 answer carries the reporter\'s name, e-mail or phone, nor the token', async () => {
  const r = await created(await post(form({ api_key: 'test-key', service_code: city.category, lat: '50.038', long: '36.368', ...PRIVATE })));
  const paths = ['requests.json', 'requests.xml', `requests/${r.service_request_id}.json`, `requests/${r.service_request_id}.xml`,
    `request/${r.service_request_id}.json`, 'services.json', `services/${asking}.xml`, `requests.json?service_request_id=${r.service_request_id}`];
  for (const path of paths) {
    const text = await (await fetch(`${server.url}/open311/v2/${path}`)).text();
    assert.ok(text.includes(r.service_request_id) || path.startsWith('services'), `${path} answers`);
    for (const secret of [...Object.values(PRIVATE), r.token]) assert.ok(!text.includes(secret), `${path} leaks ${secret}`);
  }
});

test('every ticket the suite wrote has a deadline after its registration, an http(s) media_url and a description within 4000 characters', async () => {
  const [row] = await db.sql<{ bad: number }>(`SELECT count(*)::int AS bad FROM tickets
    WHERE due_at <= created_at OR (media_url IS NOT NULL AND media_url !~ '^https?://') OR length(description) > 4000`);
  assert.equal(row!.bad, 0);
});
