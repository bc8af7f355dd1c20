// The citizen's moves through their token: every move the workflow gives a citizen works, from every other status it is refused and changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { ManualClock, HOUR } from '../clock.js';
import { configWith, createIntakeCity, intakeTicket } from '../testing/factories/tickets.js';
import { STATUSES } from '../staff/schema.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
let city: Awaited<ReturnType<typeof createIntakeCity>>;

/** What the citizen does, and the move each action makes: rating a done ticket closes it. */
const ACTIONS = {
  rate: { path: 'rating', body: { rating: 5 }, to: 'closed' },
  reopen: { path: 'reopen', body: { reason: 'Знову не працює' }, to: 'reopened' },
  clarify: { path: 'clarify', body: { answer: 'Під\'їзд 3, квартира 41, вдома після 18:00' }, to: 'new' },
} as const;
type Action = keyof typeof ACTIONS;

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock, config: configWith() });
  city = await createIntakeCity(db);
});
after(async () => { await server.close(); await db.close(); });

/** A ticket put into `status` an hour ago, as the staff side would have left it. */
async function ticketIn(status: string): Promise<{ id: number; token: string }> {
  const t = await intakeTicket(db, { categoryCode: city.category, lon: 36.36, lat: 50.03 }, { now: new Date(clock.now().getTime() - 2 * HOUR) });
  const at = new Date(clock.now().getTime() - HOUR);
  await db.sql(`UPDATE tickets SET status = $status,
      done_at = CASE WHEN $status IN ('done', 'closed') THEN $at::timestamptz END,
      closed_at = CASE WHEN $status IN ('closed', 'rejected', 'duplicate') THEN $at::timestamptz END
    WHERE id = $id`, { id: t.id, status, at });
  return { id: t.id, token: t.token };
}

async function state(id: number) {
  const [row] = await db.sql<{ status: string; version: number; events: number }>(
    'SELECT status, version, (SELECT count(*)::int FROM ticket_events WHERE ticket_id = t.id) AS events FROM tickets t WHERE id = $id', { id });
  return row!;
}

function act(action: Action, token: string) {
  const a = ACTIONS[action];
  return fetch(`${server.url}/api/public/tickets/${token}/${a.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(a.body) });
}

async function citizenMoves(): Promise<Set<string>> {
  const rows = await db.sql<{ from_status: string; to_status: string }>("SELECT from_status, to_status FROM ticket_transitions WHERE actor = 'citizen'");
  return new Set(rows.map((r) => `${r.from_status}→${r.to_status}`));
}

test('every move the workflow gives a citizen works through their token and writes a public status event', async () => {
  const moves = await citizenMoves();
  assert.deepEqual([...moves].sort(), ['closed→reopened', 'done→closed', 'done→reopened', 'needs_info→new']);
  for (const move of moves) {
    const [from, to] = move.split('→') as [string, string];
    const action = (Object.keys(ACTIONS) as Action[]).find((a) => ACTIONS[a].to === to)!;
    const t = await ticketIn(from);
    const res = await act(action, t.token);
    assert.equal(res.status, 200, `${move}: ${await res.clone().text()}`);
    const after = await state(t.id);
    assert.equal(after.status, to, move);
    const [event] = await db.sql<{ actor_kind: string; from_status: string; to_status: string; public: boolean; at: Date }>(
      "SELECT actor_kind, from_status, to_status, public, at FROM ticket_events WHERE ticket_id = $id AND kind = 'status'", { id: t.id });
    assert.deepEqual(event, { actor_kind: 'citizen', from_status: from, to_status: to, public: true, at: clock.now() }, move);
  }
});

test('from every other status each citizen action is a 409 problem and changes nothing', async () => {
  const moves = await citizenMoves();
  let refused = 0;
  for (const status of STATUSES) {
    const t = await ticketIn(status);
    for (const action of Object.keys(ACTIONS) as Action[]) {
      // Rating a closed ticket is allowed (it stays closed): it records an opinion, not a move.
      if (moves.has(`${status}→${ACTIONS[action].to}`) || (action === 'rate' && status === 'closed')) continue;
      const before = await state(t.id);
      const res = await act(action, t.token);
      assert.equal(res.status, 409, `${action} from ${status}: ${await res.clone().text()}`);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      assert.deepEqual(await state(t.id), before, `${action} from ${status} changed the ticket`);
      refused += 1;
    }
  }
  assert.equal(refused, STATUSES.length * 3 - 4 - 1);
});

test('the answer to the executor\'s question reaches the executor, but not the public history or Open311', async () => {
  const t = await ticketIn('needs_info');
  const card = await (await fetch(`${server.url}/api/public/tickets/${t.token}`)).json() as { may_clarify: boolean; may_reopen: boolean };
  assert.deepEqual([card.may_clarify, card.may_reopen], [true, false]);
  assert.equal((await act('clarify', t.token)).status, 200);
  const answer = ACTIONS.clarify.body.answer;
  for (const path of [`/api/public/tickets/${t.token}`, `/open311/v2/requests/${t.id}.json`, `/open311/v2/requests/${t.id}.xml`]) {
    const text = await (await fetch(`${server.url}${path}`)).text();
    assert.ok(!text.includes('квартира 41'), `${path} shows the answer`);
  }
  const [req] = await (await fetch(`${server.url}/open311/v2/requests/${t.id}.json`)).json() as { status_notes: string }[];
  assert.equal(req!.status_notes, 'Заявник надав уточнення.');
  const executor = await loginAs(db, server.url, 'executor', { organisationId: city.executor.id });
  const detail = await (await fetch(`${server.url}/api/tickets/${t.id}`, { headers: executor.headers })).json() as { status: string; events: { kind: string; note: string | null }[] };
  assert.equal(detail.status, 'new');
  assert.ok(detail.events.some((e) => e.kind === 'comment' && e.note === answer));
  const [row] = await db.sql<{ accept_due_at: Date }>('SELECT accept_due_at FROM tickets WHERE id = $id', { id: t.id });
  assert.ok(row!.accept_due_at > clock.now(), 'the executor gets a fresh acceptance window');
});

test('an empty answer is a 400 naming the field, an unknown token a 404', async () => {
  const t = await ticketIn('needs_info');
  const empty = await fetch(`${server.url}/api/public/tickets/${t.token}/clarify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"answer":"  "}' });
  assert.equal(empty.status, 400);
  assert.deepEqual((await empty.json() as { errors: { field: string }[] }).errors.map((e) => e.field), ['answer']);
  assert.equal((await state(t.id)).status, 'needs_info');
  assert.equal((await act('clarify', '00000000-0000-4000-8000-000000000000')).status, 404);
});
