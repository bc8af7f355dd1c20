// Personal-data retention: closed tickets lose their caller's details after the configured number of days, on a clock the test moves; nothing else changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createCategory, createOrganisation, createTicket } from '../testing/factories/auth.js';
import { DAY, ManualClock } from '../clock.js';
import { ConfigError } from '../config.js';
import type { Db } from '../db/db.js';
import { anonymiseExpiredContacts, loadRetentionConfig, startRetentionSchedule } from './retention.js';

const NOW = new Date('2026-11-23T09:00:00Z');
const clock = new ManualClock(NOW);
let db: Db;
let server: TestServer;
let category: string;
let executor: number;

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock });
  category = (await createCategory(db)).code;
  executor = (await createOrganisation(db)).id;
});
after(async () => { await server.close(); await db.close(); });

const CALLER = { firstName: 'Дарина', lastName: 'Забутько', phone: '+380 93 000 1122', email: 'daryna@example.ua' };

/** A ticket with a caller, in `status`, closed `closedDaysAgo` days before NOW (or never). */
async function ticket(status: string, closedDaysAgo: number | null, createdDaysAgo = 800): Promise<number> {
  const createdAt = new Date(NOW.getTime() - createdDaysAgo * DAY);
  const t = await createTicket(db, { categoryCode: category, executorId: executor, status, createdAt, contact: CALLER });
  await db.sql('UPDATE ticket_contacts SET device_id = $device WHERE ticket_id = $id', { id: t.id, device: `device-${t.id}` });
  if (closedDaysAgo !== null) await db.sql('UPDATE tickets SET closed_at = $at WHERE id = $id', { id: t.id, at: new Date(NOW.getTime() - closedDaysAgo * DAY) });
  return t.id;
}

interface ContactRow { first_name: string | null; last_name: string | null; email: string | null; phone: string | null; device_id: string | null; anonymised_at: Date | null }
async function contactOf(id: number): Promise<ContactRow> {
  const [row] = await db.sql<ContactRow>('SELECT first_name, last_name, email, phone, device_id, anonymised_at FROM ticket_contacts WHERE ticket_id = $id', { id });
  return row!;
}
const kept = (r: ContactRow) => r.first_name === CALLER.firstName && r.phone === CALLER.phone && r.email === CALLER.email && r.anonymised_at === null;
const emptied = (r: ContactRow, at: Date) =>
  r.first_name === null && r.last_name === null && r.email === null && r.phone === null && r.device_id === null && r.anonymised_at?.getTime() === at.getTime();

test('the retention period comes from MISTO_CONTACT_RETENTION_DAYS (365 by default) and a wrong value stops the start with a message', () => {
  assert.deepEqual(loadRetentionConfig({}), { contactRetentionDays: 365, intervalMs: 3_600_000 });
  assert.deepEqual(loadRetentionConfig({ MISTO_CONTACT_RETENTION_DAYS: '30', MISTO_RETENTION_INTERVAL_MINUTES: '5' }), { contactRetentionDays: 30, intervalMs: 300_000 });
  for (const wrong of ['0', '-1', '1.5', 'рік', '40000']) {
    assert.throws(() => loadRetentionConfig({ MISTO_CONTACT_RETENTION_DAYS: wrong }), (e: Error) => e instanceof ConfigError && /MISTO_CONTACT_RETENTION_DAYS/.test(e.message), wrong);
  }
});

test('closed, rejected and duplicate tickets past the period lose the caller; younger, open and reopened ones keep it; the ticket itself does not change', async () => {
  const closedOld = await ticket('closed', 366);
  const rejectedOld = await ticket('rejected', 400);
  const duplicateOld = await ticket('duplicate', 500);
  const closedYoung = await ticket('closed', 364);
  const openOld = await ticket('in_progress', null);
  const reopenedOld = await ticket('reopened', null);
  const ticketBefore = await db.sql('SELECT id, status, description, closed_at, version, ST_AsText(location) AS at FROM tickets WHERE id = $id', { id: closedOld });

  const n = await anonymiseExpiredContacts(db, { now: clock.now(), retentionDays: 365 });
  assert.equal(n, 3);
  for (const id of [closedOld, rejectedOld, duplicateOld]) assert.ok(emptied(await contactOf(id), NOW), `ticket ${id} emptied`);
  for (const id of [closedYoung, openOld, reopenedOld]) assert.ok(kept(await contactOf(id)), `ticket ${id} kept`);
  assert.deepEqual(await db.sql('SELECT id, status, description, closed_at, version, ST_AsText(location) AS at FROM tickets WHERE id = $id', { id: closedOld }), ticketBefore);

  // Run again a day later: the one that came of age goes, the ones already emptied keep their first date.
  const later = new Date(NOW.getTime() + 2 * DAY);
  assert.equal(await anonymiseExpiredContacts(db, { now: later, retentionDays: 365 }), 1);
  assert.ok(emptied(await contactOf(closedYoung), later));
  assert.ok(emptied(await contactOf(closedOld), NOW), 'anonymised_at is not moved by a later round');
});

test('a shorter period takes effect, in batches until none is left', async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await ticket('closed', 31));
  const young = await ticket('closed', 29);
  assert.equal(await anonymiseExpiredContacts(db, { now: NOW, retentionDays: 30, batch: 2 }), 5);
  for (const id of ids) assert.ok(emptied(await contactOf(id), NOW));
  assert.ok(kept(await contactOf(young)));
});

test('the staff card of an anonymised ticket shows that the caller was anonymised, and no trace of them stays in the audit trail', async () => {
  const id = await ticket('closed', 700);
  await anonymiseExpiredContacts(db, { now: NOW, retentionDays: 365 });
  const { headers } = await loginAs(db, server.url, 'operator');
  const res = await fetch(`${server.url}/api/tickets/${id}`, { headers });
  assert.equal(res.status, 200);
  const body = await res.json() as { contact?: Record<string, unknown> };
  assert.deepEqual(body.contact, { first_name: null, last_name: null, phone: null, email: null, anonymised_at: NOW.toISOString() });
  const [trail] = await db.sql<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_log WHERE coalesce(old_row::text, '') || coalesce(new_row::text, '') ~ $caller",
    { caller: `${CALLER.lastName}|${CALLER.email}|${CALLER.phone.replace(/[+]/g, '\\+')}` });
  assert.equal(trail!.n, 0, 'the audit trail never held the caller, so anonymising leaves nothing behind');
});

test('the schedule runs at start and then on its interval, on the clock it is given, and stops cleanly', async () => {
  const id = await ticket('closed', 300);
  const messages: string[] = [];
  const schedule = startRetentionSchedule({ db, clock, config: { contactRetentionDays: 365, intervalMs: 20 }, log: (m) => messages.push(m) });
  try {
    assert.equal(await schedule.runNow(), 0, 'at 300 days nothing is due');
    assert.ok(kept(await contactOf(id)));
    clock.advance(66 * DAY);
    const deadline = Date.now() + 10_000;
    while (!(await contactOf(id)).anonymised_at) {
      assert.ok(Date.now() < deadline, 'the schedule anonymised the ticket within 10 s of the clock passing 365 days');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(emptied(await contactOf(id), (await contactOf(id)).anonymised_at!));
    assert.ok((await contactOf(id)).anonymised_at!.getTime() >= NOW.getTime() + 66 * DAY, 'anonymised at the schedule clock\'s time');
    assert.ok(messages.some((m) => /anonymised the callers of 1 ticket/.test(m)), messages.join('\n'));
  } finally {
    await schedule.stop();
    clock.set(NOW);
  }
  const after = await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM ticket_contacts WHERE anonymised_at IS NULL');
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM ticket_contacts WHERE anonymised_at IS NULL'), after, 'nothing runs after stop()');
});
