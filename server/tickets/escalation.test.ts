// Deadlines and escalation on a controllable clock: overdue → level 1 (supervisor queue) → level 2 (deputy), idempotent; acceptance tracked; quiet done tickets close.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { ManualClock, HOUR, MINUTE, DAY } from '../clock.js';
import { configWith, createIntakeCity, createServiceArea, createServiceCategory, intakeTicket } from '../testing/factories/tickets.js';
import { escalateOverdue, startEscalationSchedule } from './escalation.js';
import type { Db } from '../db/db.js';

let db: Db;
let city: Awaited<ReturnType<typeof createIntakeCity>>;
const config = configWith();
const T0 = new Date('2026-11-23T09:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

before(async () => {
  db = await testDb();
  city = await createIntakeCity(db, { category: { deadlineClass: 'emergency' } });
});
after(async () => { await db.close(); });

async function emergencyTicket(now = T0) {
  return intakeTicket(db, { categoryCode: city.category, lon: 36.36, lat: 50.03 }, { now, config });
}

async function escalations(ticketId: number) {
  return db.sql<{ level: number; public: boolean; at: Date; role: string | null; queue: string | null }>(
    `SELECT (data->>'level')::int AS level, public, at, data->>'role' AS role, data->>'queue' AS queue
     FROM ticket_events WHERE ticket_id = $id AND kind = 'escalated' ORDER BY id`, { id: ticketId });
}

async function level(ticketId: number): Promise<number> {
  return (await db.sql<{ escalation_level: number }>('SELECT escalation_level FROM tickets WHERE id = $id', { id: ticketId }))[0]!.escalation_level;
}

test('a ticket is not escalated before its deadline, and goes to the supervisor queue once it passes', async () => {
  const t = await emergencyTicket();
  await escalateOverdue(db, at(6 * HOUR - 1), config.tickets);
  assert.equal(await level(t.id), 0);
  const result = await escalateOverdue(db, at(6 * HOUR), config.tickets);
  assert.ok(result.level1.includes(t.id));
  assert.equal(await level(t.id), 1);
  assert.deepEqual((await escalations(t.id)).map((e) => [e.level, e.queue, e.public]), [[1, 'supervisor', false]]);
});

test('escalation is idempotent: a second run at the same or a later moment adds nothing', async () => {
  const t = await emergencyTicket();
  await escalateOverdue(db, at(7 * HOUR), config.tickets);
  const again = await escalateOverdue(db, at(7 * HOUR), config.tickets);
  assert.ok(!again.level1.includes(t.id));
  await escalateOverdue(db, at(8 * HOUR), config.tickets);
  assert.equal((await escalations(t.id)).length, 1);
});

test('a ticket still overdue after its deadline length again goes to the responsible deputy', async () => {
  const t = await emergencyTicket();
  await escalateOverdue(db, at(7 * HOUR), config.tickets);
  await escalateOverdue(db, at(12 * HOUR - 1), config.tickets);
  assert.equal(await level(t.id), 1);
  const result = await escalateOverdue(db, at(12 * HOUR), config.tickets);
  assert.ok(result.level2.includes(t.id));
  assert.equal(await level(t.id), 2);
  assert.deepEqual((await escalations(t.id)).map((e) => [e.level, e.role]), [[1, null], [2, 'deputy']]);
});

test('level 2 comes no later than the configured maximum after the deadline, even for a week-long deadline', async () => {
  const { code } = await createServiceCategory(db, { deadlineClass: 'long' });
  await createServiceArea(db, { executorId: city.executor.id, categoryCode: code, rect: city.rect });
  const t = await intakeTicket(db, { categoryCode: code, lon: 36.36, lat: 50.03 }, { now: T0, config });
  const result = await escalateOverdue(db, at(7 * DAY + 24 * HOUR), config.tickets);
  assert.ok(result.level1.includes(t.id) && result.level2.includes(t.id), 'both levels in one late run');
  assert.deepEqual((await escalations(t.id)).map((e) => e.level), [1, 2]);
});

test('done, closed and outage-parked tickets are not escalated', async () => {
  const done = await emergencyTicket();
  const closed = await emergencyTicket();
  const parked = await emergencyTicket();
  await db.sql("UPDATE tickets SET status = 'done', done_at = $at WHERE id = $id", { id: done.id, at: at(HOUR) });
  await db.sql("UPDATE tickets SET status = 'closed', closed_at = $at WHERE id = $id", { id: closed.id, at: at(HOUR) });
  const [outage] = await db.sql<{ id: number }>(`INSERT INTO outages (utility, kind, executor_id, status, starts_at, public_text, zone_source, zone)
    VALUES ('water', 'emergency', $ex, 'active', $at, 'Аварія', 'polygon', 'SRID=4326;MULTIPOLYGON(((36.35 50.02,36.37 50.02,36.37 50.04,36.35 50.04,36.35 50.02)))') RETURNING id`,
  { ex: city.executor.id, at: T0 });
  await db.sql('UPDATE tickets SET outage_id = $o WHERE id = $id', { id: parked.id, o: outage!.id });
  const result = await escalateOverdue(db, at(13 * HOUR), config.tickets);
  for (const t of [done, closed, parked]) {
    assert.ok(!result.level1.includes(t.id) && !result.level2.includes(t.id) && !result.acceptanceOverdue.includes(t.id));
    assert.equal(await level(t.id), 0);
  }
});

test('a missed acceptance deadline is recorded once per ticket, and not for an accepted one', async () => {
  const late = await emergencyTicket();
  const accepted = await emergencyTicket();
  await db.sql("UPDATE tickets SET status = 'accepted', accepted_at = $at WHERE id = $id", { id: accepted.id, at: at(2 * MINUTE) });
  const early = await escalateOverdue(db, at(5 * MINUTE - 1), config.tickets);
  assert.ok(!early.acceptanceOverdue.includes(late.id));
  const first = await escalateOverdue(db, at(5 * MINUTE), config.tickets);
  assert.ok(first.acceptanceOverdue.includes(late.id));
  assert.ok(!first.acceptanceOverdue.includes(accepted.id));
  const second = await escalateOverdue(db, at(6 * MINUTE), config.tickets);
  assert.ok(!second.acceptanceOverdue.includes(late.id));
  const [n] = await db.sql<{ n: number }>("SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $id AND kind = 'acceptance_overdue'", { id: late.id });
  assert.equal(n!.n, 1);
});

test('a done ticket nobody touched for the quiet period is closed by the system with a public event', async () => {
  const t = await emergencyTicket();
  await db.sql("UPDATE tickets SET status = 'done', done_at = $at WHERE id = $id", { id: t.id, at: at(HOUR) });
  await db.sql("INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, from_status, to_status) VALUES ($id, $at, 'status', 'executor', 'in_progress', 'done')", { id: t.id, at: at(HOUR) });
  const early = await escalateOverdue(db, at(HOUR + 7 * DAY - 1), config.tickets);
  assert.ok(!early.autoClosed.includes(t.id));
  const result = await escalateOverdue(db, at(HOUR + 7 * DAY), config.tickets);
  assert.ok(result.autoClosed.includes(t.id));
  const [row] = await db.sql('SELECT status, closed_at FROM tickets WHERE id = $id', { id: t.id });
  assert.deepEqual(row, { status: 'closed', closed_at: at(HOUR + 7 * DAY) });
  const [event] = await db.sql("SELECT actor_kind, from_status, to_status, public FROM ticket_events WHERE ticket_id = $id AND to_status = 'closed'", { id: t.id });
  assert.deepEqual(event, { actor_kind: 'system', from_status: 'done', to_status: 'closed', public: true });
});

test('a backlog bigger than one batch is worked off in one run, batch by batch, each ticket once', async () => {
  // Registered far in the future of the other tests, so that only these five are due at the moment used.
  const later = at(400 * DAY);
  const backlog = [];
  for (let i = 0; i < 5; i++) backlog.push((await emergencyTicket(later)).id);
  const result = await escalateOverdue(db, new Date(later.getTime() + 13 * HOUR), config.tickets, 2);
  // Earlier tests' tickets may be due then too: the backlog must be among what was done, in full.
  for (const step of [result.level1, result.level2, result.acceptanceOverdue]) {
    assert.deepEqual(backlog.filter((id) => step.includes(id)), backlog);
    assert.equal(new Set(step).size, step.length, 'no ticket twice');
  }
  for (const id of backlog) assert.deepEqual((await escalations(id)).map((e) => e.level), [1, 2]);
  const again = await escalateOverdue(db, new Date(later.getTime() + 13 * HOUR), config.tickets, 2);
  assert.deepEqual(again, { acceptanceOverdue: [], level1: [], level2: [], autoClosed: [] });
});

test('the schedule inside the server escalates by itself as the clock moves, and stops cleanly', async () => {
  const clock = new ManualClock(T0);
  const t = await emergencyTicket();
  const schedule = startEscalationSchedule({ db, config: configWith({ escalationIntervalMs: 1000 }), clock, log: () => {} });
  try {
    await schedule.runNow();
    assert.equal(await level(t.id), 0);
    clock.set(at(6 * HOUR));
    const deadline = Date.now() + 10_000;
    while (await level(t.id) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await level(t.id), 1);
  } finally {
    await schedule.stop();
  }
});
