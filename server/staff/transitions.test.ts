// The workflow through the staff API: every allowed move per role, every forbidden one, decline, re-routing, stale versions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createCategory, createOrganisation, createTicket, ensureContactCentre } from '../testing/factories/auth.js';
import { ManualClock, MINUTE } from '../clock.js';
import type { Db } from '../db/db.js';
import type { Role, User } from '../auth/middleware.js';
import { STATUSES } from './schema.js';

let db: Db;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
let category: string;
let orgA: number;
let orgB: number;
let centre: number;
const as: Partial<Record<Role | 'executorB', { user: User; headers: Record<string, string> }>> = {};

const WORKFLOW_ROLES = ['operator', 'executor', 'supervisor', 'admin'] as const;

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock });
  category = (await createCategory(db)).code;
  centre = (await ensureContactCentre(db)).id;
  orgA = (await createOrganisation(db, { name: 'Харківводоканал' })).id;
  orgB = (await createOrganisation(db, { name: 'Міськсвітло' })).id;
  for (const role of ['operator', 'supervisor', 'admin', 'inspector', 'deputy'] as const) as[role] = await loginAs(db, server.url, role);
  as.executor = await loginAs(db, server.url, 'executor', { organisationId: orgA });
  as.executorB = await loginAs(db, server.url, 'executor', { organisationId: orgB });
});
after(async () => { await server.close(); await db.close(); });

function post(who: keyof typeof as, path: string, body: unknown) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { ...as[who]!.headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function ticketIn(status: string, executorId = orgA) {
  return createTicket(db, { categoryCode: category, executorId, status, createdAt: new Date(clock.now().getTime() - 30 * MINUTE) });
}

let original: number;
/** A body that passes validation for any target status, so only the workflow can refuse it. */
function bodyFor(to: string, version: number) {
  return {
    to, version,
    note: `до ${to}`,
    reason: 'не наша зона',
    duplicate_of: original,
    completion: { note: 'Замінили лампу', media_url: 'https://photos.example/1.jpg', lon: 36.301, lat: 50.001 },
  };
}

async function rules() {
  return db.sql<{ from_status: string; to_status: string; actor: string }>(
    "SELECT from_status, to_status, actor FROM ticket_transitions WHERE actor IN ('operator', 'executor', 'supervisor', 'admin') ORDER BY actor, from_status, to_status");
}

/**
 * The workflow of the issue, written out by hand: the two tests below take their moves from the
 * ticket_transitions table, so this one makes sure the table is this workflow and nothing more.
 */
const WORKFLOW: Record<string, string[]> = {
  executor: ['accepted→done', 'accepted→in_progress', 'accepted→needs_info', 'in_progress→done', 'in_progress→needs_info',
    'new→accepted', 'new→needs_info', 'reopened→accepted', 'reopened→done'],
  operator: ['done→closed', 'done→reopened', 'needs_info→duplicate', 'needs_info→new', 'needs_info→rejected', 'new→duplicate', 'new→rejected'],
  supervisor: ['done→closed', 'done→reopened', 'new→duplicate', 'new→rejected'],
  admin: ['accepted→in_progress', 'done→closed', 'in_progress→done', 'new→accepted', 'new→rejected'],
  citizen: ['closed→reopened', 'done→closed', 'done→reopened', 'needs_info→new'],
  system: ['done→closed'],
};

test('the workflow table holds exactly the moves of the dispatch workflow, role by role', async () => {
  const rows = await db.sql<{ actor: string; from_status: string; to_status: string }>('SELECT actor, from_status, to_status FROM ticket_transitions');
  const table: Record<string, string[]> = {};
  for (const r of rows) (table[r.actor] ??= []).push(`${r.from_status}→${r.to_status}`);
  for (const moves of Object.values(table)) moves.sort();
  assert.deepEqual(table, Object.fromEntries(Object.entries(WORKFLOW).map(([role, moves]) => [role, [...moves].sort()])));
  // No role may leave a closed-for-good ticket, and nobody but the citizen reopens a closed one.
  assert.ok(!rows.some((r) => r.from_status === 'rejected' || r.from_status === 'duplicate'));
});

test('every move the ticket_transitions table allows a role succeeds, stamps its time and writes a ticket event', async () => {
  original = (await ticketIn('new')).id;
  const allowed = await rules();
  assert.ok(allowed.length >= 25, 'the workflow table is seeded');
  for (const rule of allowed) {
    const t = await ticketIn(rule.from_status);
    const res = await post(rule.actor as Role, `/api/tickets/${t.id}/transitions`, bodyFor(rule.to_status, t.version));
    const label = `${rule.actor}: ${rule.from_status} → ${rule.to_status}`;
    assert.equal(res.status, 200, `${label}: ${await res.clone().text()}`);
    assert.deepEqual(await res.json(), { id: t.id, status: rule.to_status, version: t.version + 1 }, label);
    const [row] = await db.sql<{ status: string; accepted_at: Date | null; done_at: Date | null; closed_at: Date | null; completion_note: string | null; duplicate_of: number | null }>(
      'SELECT status, accepted_at, done_at, closed_at, completion_note, duplicate_of FROM tickets WHERE id = $id', { id: t.id });
    assert.equal(row!.status, rule.to_status, label);
    const now = clock.now().getTime();
    if (rule.to_status === 'accepted') assert.equal(row!.accepted_at?.getTime(), now, `${label} sets accepted_at`);
    if (rule.to_status === 'done') {
      assert.equal(row!.done_at?.getTime(), now, `${label} sets done_at`);
      assert.equal(row!.completion_note, 'Замінили лампу');
    }
    if (['closed', 'rejected', 'duplicate'].includes(rule.to_status)) assert.equal(row!.closed_at?.getTime(), now, `${label} sets closed_at`);
    if (rule.to_status === 'duplicate') assert.equal(row!.duplicate_of, original);
    const events = await db.sql<{ kind: string; actor_user_id: number; actor_kind: string; from_status: string; to_status: string; at: Date; note: string }>(
      'SELECT kind, actor_user_id, actor_kind, from_status, to_status, at, note FROM ticket_events WHERE ticket_id = $id', { id: t.id });
    assert.equal(events.length, 1, label);
    assert.deepEqual(
      { ...events[0]!, at: events[0]!.at.getTime() },
      { kind: 'status', actor_user_id: as[rule.actor as Role]!.user.id, actor_kind: rule.actor, from_status: rule.from_status, to_status: rule.to_status, at: now, note: `до ${rule.to_status}` },
      label,
    );
  }
});

test('every move the table does not allow is refused — 403 when the role can never reach that status, 409 when not from this one — and changes nothing', async () => {
  const allowed = new Set((await rules()).map((r) => `${r.actor}:${r.from_status}:${r.to_status}`));
  const reachable = new Set((await rules()).map((r) => `${r.actor}:${r.to_status}`));
  const tickets = new Map<string, { id: number; version: number }>();
  for (const from of STATUSES) tickets.set(from, await ticketIn(from));
  let checked = 0;
  for (const role of WORKFLOW_ROLES) {
    for (const from of STATUSES) {
      for (const to of STATUSES) {
        if (from === to || allowed.has(`${role}:${from}:${to}`)) continue;
        const t = tickets.get(from)!;
        const res = await post(role, `/api/tickets/${t.id}/transitions`, bodyFor(to, t.version));
        const expected = reachable.has(`${role}:${to}`) ? 409 : 403;
        assert.equal(res.status, expected, `${role}: ${from} → ${to} should be ${expected}: ${await res.clone().text()}`);
        assert.equal(res.headers.get('content-type'), 'application/problem+json');
        checked += 1;
      }
    }
  }
  assert.ok(checked > 200, `checked ${checked} forbidden moves`);
  const ids = JSON.stringify([...tickets.values()].map((t) => t.id));
  const [changed] = await db.sql<{ n: number }>(
    `SELECT (SELECT count(*) FROM tickets WHERE id IN (SELECT jsonb_array_elements_text($ids::jsonb)::bigint) AND version <> 1)
          + (SELECT count(*) FROM ticket_events WHERE ticket_id IN (SELECT jsonb_array_elements_text($ids::jsonb)::bigint)) AS n`, { ids });
  assert.equal(Number(changed!.n), 0);
});

test('inspectors and deputies cannot move tickets at all', async () => {
  const t = await ticketIn('new');
  for (const role of ['inspector', 'deputy'] as const) {
    assert.equal((await post(role, `/api/tickets/${t.id}/transitions`, bodyFor('accepted', t.version))).status, 403, role);
  }
});

test("an executor cannot move another executor's ticket: it is a 404, as if it did not exist", async () => {
  const t = await ticketIn('new', orgB);
  const res = await post('executor', `/api/tickets/${t.id}/transitions`, bodyFor('accepted', t.version));
  assert.equal(res.status, 404);
  const missing = await post('executor', '/api/tickets/987654321/transitions', bodyFor('accepted', 1));
  assert.deepEqual(await res.json(), { ...(await missing.json() as object), detail: `There is no ticket ${t.id} you can see.` });
});

test('a move with a stale version is a 409 and the ticket keeps the other change', async () => {
  const t = await ticketIn('new');
  assert.equal((await post('executor', `/api/tickets/${t.id}/transitions`, bodyFor('accepted', t.version))).status, 200);
  const stale = await post('executor', `/api/tickets/${t.id}/transitions`, bodyFor('needs_info', t.version));
  assert.equal(stale.status, 409);
  assert.match((await stale.json() as { detail: string }).detail, /version 2, you sent 1/);
  const [row] = await db.sql<{ status: string; version: number }>('SELECT status, version FROM tickets WHERE id = $id', { id: t.id });
  assert.deepEqual(row, { status: 'accepted', version: 2 });
});

test('completing without a report, rejecting without a reason and an unknown status are 400s with field errors', async () => {
  const t = await ticketIn('in_progress');
  const done = await post('executor', `/api/tickets/${t.id}/transitions`, { to: 'done', version: t.version });
  assert.equal(done.status, 400);
  assert.deepEqual((await done.json() as { errors: { field: string }[] }).errors.map((e) => e.field), ['completion']);
  const n = await ticketIn('new');
  const rejected = await post('operator', `/api/tickets/${n.id}/transitions`, { to: 'rejected', version: n.version });
  assert.deepEqual((await rejected.json() as { errors: { field: string }[] }).errors.map((e) => e.field), ['reason']);
  const unknown = await post('operator', `/api/tickets/${n.id}/transitions`, { to: 'teleported', version: n.version });
  assert.equal(unknown.status, 400);
  const badPoint = await post('executor', `/api/tickets/${t.id}/transitions`, { to: 'done', version: t.version, completion: { note: 'ok', lon: 200, lat: 50 } });
  assert.deepEqual((await badPoint.json() as { errors: { field: string }[] }).errors.map((e) => e.field), ['completion.lon']);
});

test('a ticket cannot be marked a duplicate of itself or of a ticket that does not exist', async () => {
  const t = await ticketIn('new');
  const self = await post('operator', `/api/tickets/${t.id}/transitions`, { ...bodyFor('duplicate', t.version), duplicate_of: t.id });
  assert.equal(self.status, 400);
  const ghost = await post('operator', `/api/tickets/${t.id}/transitions`, { ...bodyFor('duplicate', t.version), duplicate_of: 987654321 });
  assert.equal(ghost.status, 400);
});

test('an executor declines a new ticket: it goes back to the contact centre for re-routing, with the reason in an internal event', async () => {
  const t = await ticketIn('new');
  const res = await post('executor', `/api/tickets/${t.id}/decline`, { reason: 'Це мережа обленерго, не наша', version: t.version });
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(await res.json(), { id: t.id, status: 'new', version: 2, executor_id: centre, needs_routing: true });
  const [row] = await db.sql<{ executor_id: number; needs_routing: boolean; routed_by: string; status: string }>(
    'SELECT executor_id, needs_routing, routed_by, status FROM tickets WHERE id = $id', { id: t.id });
  assert.deepEqual(row, { executor_id: centre, needs_routing: true, routed_by: 'default', status: 'new' });
  const [event] = await db.sql<{ kind: string; note: string; public: boolean; data: Record<string, unknown>; actor_user_id: number }>(
    'SELECT kind, note, public, data, actor_user_id FROM ticket_events WHERE ticket_id = $id', { id: t.id });
  assert.deepEqual(event, {
    kind: 'routed', note: 'Це мережа обленерго, не наша', public: false,
    data: { action: 'declined', from_executor_id: orgA, to_executor_id: centre }, actor_user_id: as.executor!.user.id,
  });
  const [audit] = await db.sql<{ actor: string }>("SELECT actor FROM audit_log WHERE table_name = 'tickets' AND row_id = $id AND action = 'UPDATE'", { id: String(t.id) });
  assert.equal(audit!.actor, `user:${as.executor!.user.id}`);
  const after = await fetch(`${server.url}/api/tickets/${t.id}`, { headers: as.executor!.headers });
  assert.equal(after.status, 404, 'the declined ticket is no longer the executor’s');
});

test('only a new or reopened ticket can be declined, only by an executor, and a decline needs a reason', async () => {
  const accepted = await ticketIn('accepted');
  assert.equal((await post('executor', `/api/tickets/${accepted.id}/decline`, { reason: 'ні', version: accepted.version })).status, 409);
  const reopened = await ticketIn('reopened');
  assert.equal((await post('executor', `/api/tickets/${reopened.id}/decline`, { reason: 'ні', version: reopened.version })).status, 200);
  const t = await ticketIn('new');
  assert.equal((await post('operator', `/api/tickets/${t.id}/decline`, { reason: 'ні', version: t.version })).status, 403);
  assert.equal((await post('executor', `/api/tickets/${t.id}/decline`, { version: t.version })).status, 400);
  assert.equal((await post('executorB', `/api/tickets/${t.id}/decline`, { reason: 'ні', version: t.version })).status, 404);
});

test('the contact centre re-routes a declined ticket by hand; the new executor sees it with a fresh acceptance window', async () => {
  const t = await ticketIn('new');
  assert.equal((await post('executor', `/api/tickets/${t.id}/decline`, { reason: 'не наше', version: 1 })).status, 200);
  clock.advance(20 * MINUTE);
  try {
    const res = await post('operator', `/api/tickets/${t.id}/route`, { executor_id: orgB, note: 'Передано Міськсвітлу', version: 2 });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { id: t.id, status: 'new', version: 3, executor_id: orgB, needs_routing: false });
    const detail = await fetch(`${server.url}/api/tickets/${t.id}`, { headers: as.executorB!.headers });
    assert.equal(detail.status, 200);
    const body = await detail.json() as { accept_due_in_seconds: number; routed_by: string; needs_routing: boolean; events: { kind: string; data: { action: string } }[] };
    assert.equal(body.accept_due_in_seconds, 10 * 60, 'a short-class ticket gives 10 minutes to accept from the hand-over');
    assert.equal(body.routed_by, 'manual');
    assert.deepEqual(body.events.map((e) => e.data.action), ['declined', 'routed']);
  } finally {
    clock.set('2026-11-23T09:00:00Z');
  }
});

test('routing is refused for an accepted ticket, a stale version, an unknown executor and a non-routing role', async () => {
  const accepted = await ticketIn('accepted');
  assert.equal((await post('operator', `/api/tickets/${accepted.id}/route`, { executor_id: orgB, version: 1 })).status, 409);
  const t = await ticketIn('new');
  assert.equal((await post('supervisor', `/api/tickets/${t.id}/route`, { executor_id: orgB, version: 7 })).status, 409);
  assert.equal((await post('supervisor', `/api/tickets/${t.id}/route`, { executor_id: 987654, version: 1 })).status, 400);
  assert.equal((await post('executor', `/api/tickets/${t.id}/route`, { executor_id: orgB, version: 1 })).status, 403);
  assert.equal((await post('inspector', `/api/tickets/${t.id}/route`, { executor_id: orgB, version: 1 })).status, 403);
});
