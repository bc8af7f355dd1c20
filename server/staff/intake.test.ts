// Operator intake through POST /api/tickets: a caller's ticket with the intake fields, kept private, validated at the edge, never filed twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { configWith, createIntakeCity } from '../testing/factories/tickets.js';
import { ManualClock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { User } from '../auth/middleware.js';

let db: Db;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
let city: Awaited<ReturnType<typeof createIntakeCity>>;
let operator: { user: User; headers: Record<string, string> };
let otherOperator: { user: User; headers: Record<string, string> };

const CALLER = { first_name: 'Ольга', last_name: 'Телефонна-K3', phone: '+380 57 333 0303', email: 'olha.k3@example.com' };
const INTAKE = { cause: 'Прорив стояка в підвалі', premises_access: 'Підвал відчинить двірник, тел. у диспетчера', caller_informed: true };

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock, config: configWith() });
  city = await createIntakeCity(db);
  operator = await loginAs(db, server.url, 'operator');
  otherOperator = await loginAs(db, server.url, 'operator');
});
after(async () => { await server.close(); await db.close(); });

function register(body: unknown, who = operator, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/api/tickets`, {
    method: 'POST', headers: { ...who.headers, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
  });
}

interface Footprint { tickets: number; contacts: number; events: number; idempotency_keys: number }

async function footprint(): Promise<Footprint> {
  const [row] = await db.sql<Footprint>(`SELECT (SELECT count(*) FROM tickets)::int AS tickets,
    (SELECT count(*) FROM ticket_contacts)::int AS contacts, (SELECT count(*) FROM ticket_events)::int AS events,
    (SELECT count(*) FROM idempotency_keys)::int AS idempotency_keys`);
  return row!;
}

test('an operator files a ticket for a caller: routed, with its deadline and the intake fields, the caller kept in the private contact row', async () => {
  const res = await register({ category: city.category, lat: 50.03, lon: 36.36, description: 'Тече вода в підвалі', deadline_class: 'emergency', ...CALLER, ...INTAKE });
  assert.equal(res.status, 201, await res.clone().text());
  const body = await res.json() as { id: number; executor: { id: number }; deadline_class: string; due_at: string; service_notice: string; routed_by: string };
  assert.equal(body.executor.id, city.executor.id);
  assert.equal(body.routed_by, 'service_area');
  assert.equal(body.deadline_class, 'emergency');
  assert.equal(body.due_at, '2026-11-23T15:00:00.000Z');
  assert.match(body.service_notice, new RegExp(city.executor.name));
  const [row] = await db.sql('SELECT source, created_by, cause, premises_access, caller_informed FROM tickets WHERE id = $id', { id: body.id });
  assert.deepEqual(row, { source: 'operator', created_by: operator.user.id, ...INTAKE });
  const [contact] = await db.sql('SELECT first_name, last_name, phone, email FROM ticket_contacts WHERE ticket_id = $id', { id: body.id });
  assert.deepEqual(contact, CALLER);
  const [event] = await db.sql('SELECT kind, actor_user_id, actor_kind, to_status FROM ticket_events WHERE ticket_id = $id', { id: body.id });
  assert.deepEqual(event, { kind: 'created', actor_user_id: operator.user.id, actor_kind: 'operator', to_status: 'new' });

  // Public views of the same ticket: none of the caller's details, nor the access notes or the cause.
  const token = (await db.sql<{ token: string }>('SELECT token::text AS token FROM tickets WHERE id = $id', { id: body.id }))[0]!.token;
  for (const path of [`/open311/v2/requests/${body.id}.json`, `/open311/v2/requests/${body.id}.xml`, `/api/public/tickets/${token}`]) {
    const text = await (await fetch(`${server.url}${path}`)).text();
    assert.ok(text.includes(String(body.id)), path);
    for (const secret of [...Object.values(CALLER), INTAKE.cause, INTAKE.premises_access]) assert.ok(!text.includes(secret), `${path} leaks ${secret}`);
  }
});

test('a malformed operator intake is a problem naming every bad field and writes nothing', async () => {
  const before = await footprint();
  const res = await register({
    category: city.category, lat: 95, lon: 36.36, deadline_class: 'Whenever', caller_informed: 'maybe', phone: 'дзвоніть', cause: 'x'.repeat(1001),
  }, operator, { 'Idempotency-Key': 'bad-intake' });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  const body = await res.json() as { errors: { field: string }[] };
  assert.deepEqual(body.errors.map((e) => e.field).sort(), ['caller_informed', 'cause', 'deadline_class', 'lat', 'phone']);
  const unknownClass = await register({ category: city.category, lat: 50.03, lon: 36.36, deadline_class: 'someday' });
  assert.deepEqual((await unknownClass.json() as { errors: { field: string }[] }).errors.map((e) => e.field), ['deadline_class']);
  assert.deepEqual(await footprint(), before);
});

test('a registration repeated with the same Idempotency-Key returns the first answer, not a second ticket', async () => {
  const body = { category: city.category, lat: 50.031, lon: 36.361, phone: '+380 57 111 2233', description: 'Повторний дзвінок' };
  const before = await footprint();
  const first = await register(body, operator, { 'Idempotency-Key': 'call-42' });
  assert.equal(first.status, 201);
  const second = await register(body, operator, { 'Idempotency-Key': 'call-42' });
  assert.equal(second.status, 201);
  assert.equal(second.headers.get('idempotent-replayed'), 'true');
  assert.equal(await second.text(), await first.text());
  const after = await footprint();
  assert.deepEqual({ tickets: after.tickets - before.tickets, keys: after.idempotency_keys - before.idempotency_keys }, { tickets: 1, keys: 1 });

  const clash = await register({ ...body, description: 'Інший дзвінок' }, operator, { 'Idempotency-Key': 'call-42' });
  assert.equal(clash.status, 422);
  assert.deepEqual((await clash.json() as { errors: { field: string }[] }).errors.map((e) => e.field), ['Idempotency-Key']);
  // Keys are per user: another operator's call under the same key is another ticket.
  const other = await register(body, otherOperator, { 'Idempotency-Key': 'call-42' });
  assert.equal(other.status, 201);
  assert.equal((await footprint()).tickets, before.tickets + 2);
});
