// Intake: deadlines, the outage that explains a ticket, the web form, operator fields kept private, idempotency, rate limits, citizens' rating and reopening.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { ManualClock, HOUR, MINUTE } from '../clock.js';
import {
  configWith, createIntakeCity, createServiceArea, createServiceCategory, intakeTicket, rectWkt,
} from '../testing/factories/tickets.js';
import type { Db } from '../db/db.js';
import { createTicket } from './intake.js';
import { RoutingConfigError } from './routing.js';
import { createUser } from '../testing/factories/auth.js';

let db: Db;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
let city: Awaited<ReturnType<typeof createIntakeCity>>;
const config = configWith({ webRequestsPerWindow: 1000 });

const PRIVATE = { first_name: 'Таємна', last_name: 'Заявниця-Q9', email: 'secret.q9@example.com', phone: '+380 50 999 0909' };

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock, config });
  city = await createIntakeCity(db);
});
after(async () => { await server.close(); await db.close(); });

async function webForm(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/api/public/tickets`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

async function ticketCount(): Promise<number> {
  return (await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM tickets'))[0]!.n;
}

function json<T>(res: Response): Promise<T> {
  return res.json() as Promise<T>;
}

// ---- deadlines -------------------------------------------------------------------------------

for (const [cls, hours, acceptMinutes] of [['emergency', 6, 5], ['short', 24, 10], ['medium', 72, 10], ['long', 168, 10]] as const) {
  test(`${cls === 'emergency' ? 'an' : 'a'} ${cls} ticket is due ${hours} h after registration and must be accepted within ${acceptMinutes} min`, async () => {
    const { code } = await createServiceCategory(db, { deadlineClass: cls });
    const now = new Date('2026-11-23T09:00:00Z');
    const t = await intakeTicket(db, { categoryCode: code, lon: 36.36, lat: 50.03 }, { now });
    assert.equal(t.deadlineClass, cls);
    assert.equal(t.dueAt.getTime() - now.getTime(), hours * HOUR);
    assert.equal(t.acceptDueAt.getTime() - now.getTime(), acceptMinutes * MINUTE);
  });
}

test('a category\'s own deadline hours override its class, and an operator may choose another class', async () => {
  const { code } = await createServiceCategory(db, { deadlineClass: 'emergency', deadlineHours: 2 });
  const now = new Date('2026-11-23T09:00:00Z');
  const own = await intakeTicket(db, { categoryCode: code, lon: 36.36, lat: 50.03 }, { now });
  assert.equal(own.dueAt.getTime() - now.getTime(), 2 * HOUR);
  const chosen = await intakeTicket(db, { categoryCode: code, lon: 36.36, lat: 50.03, deadlineClass: 'short', source: 'operator' }, { now, actor: { kind: 'operator' } });
  assert.equal(chosen.deadlineClass, 'short');
  assert.equal(chosen.dueAt.getTime() - now.getTime(), 24 * HOUR);
});

test('registration writes one public \'created\' event naming who routed it where', async () => {
  const t = await intakeTicket(db, { categoryCode: city.category, lon: 36.36, lat: 50.03 }, { now: new Date('2026-11-23T09:00:00Z') });
  const events = await db.sql<{ kind: string; to_status: string; actor_kind: string; public: boolean; data: Record<string, unknown>; at: Date }>(
    'SELECT kind, to_status, actor_kind, public, data, at FROM ticket_events WHERE ticket_id = $id', { id: t.id });
  assert.equal(events.length, 1);
  assert.deepEqual({ ...events[0]!, data: undefined }, { kind: 'created', to_status: 'new', actor_kind: 'citizen', public: true, data: undefined, at: new Date('2026-11-23T09:00:00Z') });
  assert.equal(events[0]!.data.executor_id, city.executor.id);
  assert.equal(events[0]!.data.routed_by, 'service_area');
});

// ---- outages ---------------------------------------------------------------------------------

test('a ticket inside an active outage of its utility is linked to it and the notice tells the caller until when', async () => {
  const { code } = await createServiceCategory(db, { utility: 'water', deadlineClass: 'short' });
  await createServiceArea(db, { executorId: city.executor.id, categoryCode: code, rect: city.rect });
  const [outage] = await db.sql<{ id: number }>(
    `INSERT INTO outages (utility, kind, executor_id, status, starts_at, ends_at, public_text, zone_source, zone)
     VALUES ('water', 'emergency', $executor, 'active', $starts, $ends, 'Аварія на водогоні по вул. Бучми.', 'polygon', ST_GeomFromEWKT($zone)) RETURNING id`,
    { executor: city.executor.id, starts: new Date('2026-11-23T07:00:00Z'), ends: new Date('2026-11-23T15:00:00Z'), zone: rectWkt([36.355, 50.025, 36.365, 50.035]) });
  const res = await webForm({ category: code, lat: 50.03, lon: 36.36 });
  assert.equal(res.status, 201);
  const body = await json<{ id: number; service_notice: string; outage: { id: number; ends_at: string } }>(res);
  assert.equal(body.outage.id, outage!.id);
  assert.equal(body.outage.ends_at, '2026-11-23T17:00:00+02:00');
  assert.match(body.service_notice, /Відома аварія\/планові роботи: Аварія на водогоні по вул\. Бучми, орієнтовно до 23\.11\.2026 17:00\./);
  const [req] = await json<{ service_notice: string }[]>(await fetch(`${server.url}/open311/v2/requests/${body.id}.json`));
  assert.equal(req!.service_notice, body.service_notice);
  const outside = await json<{ outage: unknown }>(await webForm({ category: code, lat: 50.045, lon: 36.345 }));
  assert.equal(outside.outage, null);
});

test('an outage-linked ticket is written once, linked, and its events follow in order: created, then outage_linked', async () => {
  const { code } = await createServiceCategory(db, { utility: 'heating', deadlineClass: 'short' });
  await createServiceArea(db, { executorId: city.executor.id, categoryCode: code, rect: city.rect });
  const [outage] = await db.sql<{ id: number }>(
    `INSERT INTO outages (utility, kind, executor_id, status, starts_at, ends_at, public_text, zone_source, zone)
     VALUES ('heating', 'planned', $executor, 'active', $starts, NULL, 'Планові роботи на тепломережі.', 'polygon', ST_GeomFromEWKT($zone)) RETURNING id`,
    { executor: city.executor.id, starts: new Date('2026-11-23T06:00:00Z'), zone: rectWkt([36.355, 50.025, 36.365, 50.035]) });
  const now = new Date('2026-11-23T09:00:00Z');
  const t = await intakeTicket(db, { categoryCode: code, lon: 36.36, lat: 50.03 }, { now });
  assert.deepEqual(t.outage, { outageId: outage!.id, publicText: 'Планові роботи на тепломережі.', endsAt: null });
  assert.match(t.serviceNotice, /Планові роботи на тепломережі, час відновлення уточнюється\.$/);
  const events = await db.sql<{ kind: string; actor_kind: string; note: string | null; data: Record<string, unknown> }>(
    'SELECT kind, actor_kind, note, data FROM ticket_events WHERE ticket_id = $id ORDER BY id', { id: t.id });
  assert.deepEqual(events.map((e) => [e.kind, e.actor_kind]), [['created', 'citizen'], ['outage_linked', 'system']]);
  assert.deepEqual(events[1]!.data, { outage_id: outage!.id, ends_at: null });
  assert.equal(events[1]!.note, 'Планові роботи на тепломережі.');
  // One INSERT in the audit trail, already carrying the link: no half-linked ticket ever existed.
  const audit = await db.sql<{ action: string; actor: string; outage_id: string | null }>(
    "SELECT action, actor, new_row ->> 'outage_id' AS outage_id FROM audit_log WHERE table_name = 'tickets' AND row_id = $id ORDER BY id", { id: String(t.id) });
  assert.deepEqual(audit, [{ action: 'INSERT', actor: 'citizen', outage_id: String(outage!.id) }]);
});

test('the audit trail names who filed a ticket: the citizen, or the operator by user id', async () => {
  const operator = await createUser(db, { role: 'operator' });
  const byCitizen = await intakeTicket(db, { categoryCode: city.category, lon: 36.36, lat: 50.03 });
  const byOperator = await intakeTicket(db, { categoryCode: city.category, lon: 36.36, lat: 50.03, source: 'operator' }, { actor: { kind: 'operator', userId: operator.id } });
  const actors = await db.sql<{ row_id: string; actor: string }>(
    "SELECT row_id, actor FROM audit_log WHERE table_name = 'tickets' AND action = 'INSERT' AND row_id IN ($a, $b) ORDER BY id",
    { a: String(byCitizen.id), b: String(byOperator.id) });
  assert.deepEqual(actors, [{ row_id: String(byCitizen.id), actor: 'citizen' }, { row_id: String(byOperator.id), actor: `user:${operator.id}` }]);
  const [row] = await db.sql<{ created_by: number }>('SELECT created_by FROM tickets WHERE id = $id', { id: byOperator.id });
  assert.equal(row!.created_by, operator.id);
});

test('without an executor for the point intake writes nothing at all', async () => {
  const before = await db.sql('SELECT (SELECT count(*) FROM tickets)::int AS t, (SELECT count(*) FROM ticket_events)::int AS e, (SELECT count(*) FROM audit_log)::int AS a');
  const { code } = await createServiceCategory(db);
  const noCentre = configWith({});
  await assert.rejects(intakeTicket(db, { categoryCode: code, lon: 36.36, lat: 50.03, contact: { phone: '+380 00 000 0001' } },
    { config: { ...noCentre, defaultExecutor: 'no-such-organisation' } }), RoutingConfigError);
  const after = await db.sql('SELECT (SELECT count(*) FROM tickets)::int AS t, (SELECT count(*) FROM ticket_events)::int AS e, (SELECT count(*) FROM audit_log)::int AS a');
  assert.deepEqual(after, before);
});

// ---- the web form ----------------------------------------------------------------------------

test('the web form registers a ticket and answers with its token, executor, deadline and notice, but no private data', async () => {
  const res = await webForm({ category: city.category, lat: 50.031, lon: 36.361, description: 'Яма біля школи', ...PRIVATE });
  assert.equal(res.status, 201);
  const text = await res.text();
  const body = JSON.parse(text) as { id: number; token: string; status: string; executor: { name: string }; due_at: string; service_notice: string };
  assert.equal(body.status, 'new');
  assert.equal(body.executor.name, city.executor.name);
  assert.equal(body.due_at, '2026-11-24T11:00:00+02:00');
  for (const secret of Object.values(PRIVATE)) assert.ok(!text.includes(secret));
  const [row] = await db.sql<{ source: string }>('SELECT source FROM tickets WHERE id = $id', { id: body.id });
  assert.equal(row!.source, 'web');
  const [contact] = await db.sql('SELECT first_name, last_name, email, phone FROM ticket_contacts WHERE ticket_id = $id', { id: body.id });
  assert.deepEqual(contact, PRIVATE);
});

test('a malformed web form is a problem naming every bad field, and writes nothing', async () => {
  const before = await ticketCount();
  const res = await webForm({ category: city.category, lat: 'north', lon: 200, description: 42, media_url: 'ftp://x', phone: 'call me', attributes: 'many' });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  const body = await json<{ errors: { field: string }[] }>(res);
  assert.deepEqual(body.errors.map((e) => e.field).sort(), ['attributes', 'lat', 'lon', 'media_url', 'phone']);
  const unknown = await json<{ errors: { field: string; message: string }[] }>(await webForm({ category: 'no_such', lat: 50, lon: 36 }));
  assert.deepEqual(unknown.errors, [{ field: 'category', message: 'no_such is not a known service code' }]);
  assert.equal(await ticketCount(), before);
});

test('operator intake keeps the caller\'s details and the access notes private and records the intake fields', async () => {
  const t = await intakeTicket(db, {
    categoryCode: city.category, lon: 36.36, lat: 50.03, source: 'operator',
    contact: { firstName: PRIVATE.first_name, phone: PRIVATE.phone }, cause: 'Прорив труби', premisesAccess: 'Кв. 12, ключ у сусіда', callerInformed: true,
  }, { actor: { kind: 'operator' }, now: clock.now() });
  const [row] = await db.sql('SELECT source, cause, premises_access, caller_informed FROM tickets WHERE id = $id', { id: t.id });
  assert.deepEqual(row, { source: 'operator', cause: 'Прорив труби', premises_access: 'Кв. 12, ключ у сусіда', caller_informed: true });
  const token = (await db.sql<{ token: string }>('SELECT token::text AS token FROM tickets WHERE id = $id', { id: t.id }))[0]!.token;
  for (const url of [`/open311/v2/requests/${t.id}.json`, `/open311/v2/requests/${t.id}.xml`, `/api/public/tickets/${token}`]) {
    const text = await (await fetch(`${server.url}${url}`)).text();
    for (const secret of [PRIVATE.first_name, PRIVATE.phone, 'ключ у сусіда', 'Прорив труби']) assert.ok(!text.includes(secret), `${url} leaks ${secret}`);
  }
});

// ---- idempotency and rate limits -------------------------------------------------------------

test('the web form honours Idempotency-Key: the same request once, another request under the same key refused', async () => {
  const before = await ticketCount();
  const body = { category: city.category, lat: 50.033, lon: 36.363, description: 'Двічі' };
  const first = await webForm(body, { 'Idempotency-Key': 'web-1' });
  const second = await webForm(body, { 'Idempotency-Key': 'web-1' });
  assert.equal(first.status, 201);
  assert.equal(second.status, 201);
  assert.equal(await second.text(), await first.text());
  assert.equal(await ticketCount(), before + 1);
  const clash = await webForm({ ...body, description: 'Інше' }, { 'Idempotency-Key': 'web-1' });
  assert.equal(clash.status, 422);
  assert.equal(clash.headers.get('content-type'), 'application/problem+json');
  assert.equal(await ticketCount(), before + 1);
});

test('web-form intake is rate-limited per client address with a 429 problem and Retry-After', async () => {
  const limited = await startTestServer(db, { clock, config: configWith({ webRequestsPerWindow: 2, rateLimitWindowSeconds: 60 }) });
  try {
    clock.set('2026-11-23T10:00:30Z');
    const send = () => fetch(`${limited.url}/api/public/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ category: city.category, lat: 50.03, lon: 36.36 }) });
    assert.equal((await send()).status, 201);
    assert.equal((await send()).status, 201);
    const third = await send();
    assert.equal(third.status, 429);
    assert.equal(third.headers.get('retry-after'), '30');
    clock.set('2026-11-23T10:01:00Z');
    assert.equal((await send()).status, 201);
  } finally {
    await limited.close();
    clock.set('2026-11-23T09:00:00Z');
  }
});

test('Open311 intake is rate-limited per api_key with a 429 error list', async () => {
  const limited = await startTestServer(db, { clock, config: configWith({ open311RequestsPerWindow: 1 }, { open311ApiKeys: ['key-a', 'key-b'] }) });
  try {
    clock.set('2026-11-23T11:00:00Z');
    const send = (key: string) => fetch(`${limited.url}/open311/v2/requests.json`, { method: 'POST', body: new URLSearchParams({ api_key: key, service_code: city.category, lat: '50.03', long: '36.36' }) });
    assert.equal((await send('key-a')).status, 200);
    const second = await send('key-a');
    assert.equal(second.status, 429);
    assert.deepEqual((await json<{ code: number }[]>(second)).map((e) => e.code), [429]);
    assert.equal((await send('key-b')).status, 200);
  } finally {
    await limited.close();
    clock.set('2026-11-23T09:00:00Z');
  }
});

// ---- the citizen's token: card, rating, reopening --------------------------------------------

async function citizenTicket(): Promise<{ id: number; token: string }> {
  return json<{ id: number; token: string }>(await webForm({ category: city.category, lat: 50.034, lon: 36.364 }));
}

async function markDone(id: number, at: Date) {
  await db.sql("UPDATE tickets SET status = 'done', done_at = $at WHERE id = $id", { id, at });
  await db.sql(`INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, from_status, to_status, note) VALUES ($id, $at, 'status', 'executor', 'in_progress', 'done', 'Замінено лампу')`, { id, at });
}

const postJson = (path: string, body: unknown) => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('a ticket cannot be rated before it is done', async () => {
  const t = await citizenTicket();
  const res = await postJson(`/api/public/tickets/${t.token}/rating`, { rating: 4 });
  assert.equal(res.status, 409);
});

test('rating a done ticket records the rating and closes it with the citizen\'s confirmation', async () => {
  const t = await citizenTicket();
  await markDone(t.id, clock.now());
  const bad = await postJson(`/api/public/tickets/${t.token}/rating`, { rating: 6 });
  assert.equal(bad.status, 400);
  assert.deepEqual((await json<{ errors: { field: string }[] }>(bad)).errors.map((e) => e.field), ['rating']);
  const res = await postJson(`/api/public/tickets/${t.token}/rating`, { rating: 4 });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { id: t.id, status: 'closed', rating: 4 });
  const kinds = await db.sql<{ kind: string; to_status: string | null }>("SELECT kind, to_status FROM ticket_events WHERE ticket_id = $id AND kind IN ('rated', 'status') ORDER BY id", { id: t.id });
  assert.deepEqual(kinds.map((k) => `${k.kind}:${k.to_status}`), ['status:done', 'rated:null', 'status:closed']);
});

test('a citizen reopens a done ticket within the window, with new deadlines, and not after it', async () => {
  const t = await citizenTicket();
  await markDone(t.id, new Date('2026-11-23T09:00:00Z'));
  clock.set('2026-11-30T09:00:00Z');
  try {
    const missing = await postJson(`/api/public/tickets/${t.token}/reopen`, {});
    assert.equal(missing.status, 400);
    const res = await postJson(`/api/public/tickets/${t.token}/reopen`, { reason: 'Ліхтар знову не світить' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: t.id, status: 'reopened', due_at: '2026-12-01T11:00:00+02:00' });
    const [row] = await db.sql('SELECT status, escalation_level, done_at FROM tickets WHERE id = $id', { id: t.id });
    assert.deepEqual(row, { status: 'reopened', escalation_level: 0, done_at: null });

    const late = await citizenTicket();
    await markDone(late.id, new Date('2026-11-15T09:00:00Z'));
    const refused = await postJson(`/api/public/tickets/${late.token}/reopen`, { reason: 'Знову' });
    assert.equal(refused.status, 409);
    assert.match((await json<{ detail: string }>(refused)).detail, /14-day window ended/);
  } finally {
    clock.set('2026-11-23T09:00:00Z');
  }
});

test('the citizen\'s card shows the public history and what they may do, and an unknown token is a 404', async () => {
  const t = await citizenTicket();
  await db.sql(`INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, note, public) VALUES ($id, $at, 'comment', 'executor', 'Лише для персоналу', false)`, { id: t.id, at: clock.now() });
  await markDone(t.id, clock.now());
  const card = await json<{ ticket: { service_request_id: string; status_code: string }; events: { kind: string; note: string | null }[]; may_rate: boolean; may_reopen: boolean }>(
    await fetch(`${server.url}/api/public/tickets/${t.token}`));
  assert.equal(card.ticket.service_request_id, String(t.id));
  assert.equal(card.ticket.status_code, 'done');
  assert.deepEqual(card.events.map((e) => e.kind), ['created', 'status']);
  assert.ok(!card.events.some((e) => e.note === 'Лише для персоналу'));
  assert.equal(card.may_rate, true);
  assert.equal(card.may_reopen, true);
  assert.equal((await fetch(`${server.url}/api/public/tickets/00000000-0000-4000-8000-000000000000`)).status, 404);
  assert.equal((await fetch(`${server.url}/api/public/tickets/not-a-token`)).status, 404);
});

test('a transaction that fails after the insert leaves no ticket, contact or event behind', async () => {
  const before = await db.sql<{ t: number; c: number; e: number }>('SELECT (SELECT count(*) FROM tickets)::int AS t, (SELECT count(*) FROM ticket_contacts)::int AS c, (SELECT count(*) FROM ticket_events)::int AS e');
  await assert.rejects(db.transaction(async (tx) => {
    await createTicket(tx, { source: 'web', categoryCode: city.category, lon: 36.36, lat: 50.03, contact: { phone: '+380 00 000 0000' } }, { now: clock.now(), actor: { kind: 'citizen' }, config });
    throw new Error('the answer could not be stored');
  }), /could not be stored/);
  const after = await db.sql('SELECT (SELECT count(*) FROM tickets)::int AS t, (SELECT count(*) FROM ticket_contacts)::int AS c, (SELECT count(*) FROM ticket_events)::int AS e');
  assert.deepEqual(after, before);
});
