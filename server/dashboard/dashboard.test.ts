// The supervisor dashboard and daily summary: every figure is checked against hand-counted
// tickets and against the database itself, across city-day boundaries (Europe/Kyiv).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createCategory, createOrganisation } from '../testing/factories/auth.js';
import { createLifeTicket, createOutageWithTelephonograms, createStreetWithAddresses } from '../testing/factories/dashboard.js';
import { ManualClock } from '../clock.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
let supervisor: Record<string, string>;
const clock = new ManualClock('2026-11-23T09:00:00Z'); // 11:00 in Kyiv
const ids: Record<string, number> = {};
let executorA: number;
let executorB: number;

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock });
  executorA = (await createOrganisation(db, { code: 'water-co', name: 'Водоканал' })).id;
  executorB = (await createOrganisation(db, { code: 'light-co', name: 'Міськсвітло' })).id;
  await createCategory(db, { code: 'light' });
  await createCategory(db, { code: 'water' });
  const A = executorA;
  const B = executorB;
  // t1: completed on time and closed; accepted after 5 min, done after 10 h.
  ids.t1 = await createLifeTicket(db, { categoryCode: 'light', executorId: A, status: 'closed', createdAt: '2026-11-20T08:00:00Z', dueAt: '2026-11-21T08:00:00Z', acceptedAt: '2026-11-20T08:05:00Z', doneAt: '2026-11-20T18:00:00Z', closedAt: '2026-11-21T09:00:00Z' });
  // t2: completed late (done 2 h after the deadline); accepted after 20 min, done after 26 h.
  ids.t2 = await createLifeTicket(db, { categoryCode: 'light', executorId: A, status: 'done', createdAt: '2026-11-21T08:00:00Z', dueAt: '2026-11-22T08:00:00Z', acceptedAt: '2026-11-21T08:20:00Z', doneAt: '2026-11-22T10:00:00Z' });
  // t3: accepted after 10 min and overdue since 08:00 today.
  ids.t3 = await createLifeTicket(db, { categoryCode: 'water', executorId: A, status: 'accepted', createdAt: '2026-11-22T08:00:00Z', dueAt: '2026-11-23T08:00:00Z', acceptedAt: '2026-11-22T08:10:00Z' });
  // t4: 21:30 UTC is 23:30 in Kyiv: still 22 November for the city.
  ids.t4 = await createLifeTicket(db, { categoryCode: 'water', executorId: B, status: 'new', createdAt: '2026-11-22T21:30:00Z', dueAt: '2026-11-25T21:30:00Z' });
  // t5: 22:30 UTC is 00:30 in Kyiv: already 23 November for the city.
  ids.t5 = await createLifeTicket(db, { categoryCode: 'light', executorId: B, status: 'new', createdAt: '2026-11-22T22:30:00Z', dueAt: '2026-11-24T22:30:00Z' });
  // t6: filed before the period and overdue for twelve days: counts only in "overdue now".
  ids.t6 = await createLifeTicket(db, { categoryCode: 'light', executorId: B, status: 'new', createdAt: '2026-11-10T08:00:00Z', dueAt: '2026-11-11T08:00:00Z' });
  // t7: rejected the day it came in.
  ids.t7 = await createLifeTicket(db, { categoryCode: 'light', executorId: A, status: 'rejected', createdAt: '2026-11-21T09:00:00Z', dueAt: '2026-11-22T09:00:00Z', closedAt: '2026-11-21T10:00:00Z' });

  const addresses = await createStreetWithAddresses(db, { name: 'Бучми вулиця', count: 4 });
  ids.outageOn22 = await createOutageWithTelephonograms(db, { executorId: A, status: 'resolved', startsAt: '2026-11-22T06:00:00Z', endsAt: '2026-11-22T14:00:00Z', publicText: '=Ремонт водогону, води не буде до 16:00', addressIds: addresses.slice(0, 2) });
  await createOutageWithTelephonograms(db, { executorId: A, status: 'cancelled', startsAt: '2026-11-22T06:00:00Z', endsAt: '2026-11-22T14:00:00Z', publicText: 'Скасовано', addressIds: addresses.slice(2, 3) });
  await createOutageWithTelephonograms(db, { executorId: A, status: 'scheduled', startsAt: '2026-11-24T06:00:00Z', endsAt: '2026-11-24T14:00:00Z', publicText: 'Завтра', addressIds: addresses.slice(3, 4) });

  supervisor = (await loginAs(db, server.url, 'supervisor')).headers;
});

after(async () => {
  await server.close();
  await db.close();
});

async function getJson<T>(path: string, headers = supervisor): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers });
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return await res.json() as T;
}

interface Dashboard {
  period: { from: string; to: string; timeZone: string };
  totals: { filed: number; completed: number; completedOnTime: number; open: number; overdue: number; rejected: number; onTimeShare: number | null };
  byCategory: Array<{ code: string; filed: number; open: number; completed: number; overdue: number }>;
  byStatus: Array<{ code: string; filed: number }>;
  executors: Array<{ id: number; filed: number; completed: number; completedOnTime: number; openOverdue: number; onTimeShare: number | null; medianAcceptMinutes: number | null; medianCompleteHours: number | null; overdueNow: number }>;
  trend: Array<{ day: string; filed: number; completed: number; overdue: number }>;
}

test('the dashboard needs a supervisor: 401 without a session, 403 for an operator', async () => {
  assert.equal((await fetch(`${server.url}/api/dashboard`)).status, 401);
  const operator = await loginAs(db, server.url, 'operator');
  assert.equal((await fetch(`${server.url}/api/dashboard`, { headers: operator.headers })).status, 403);
  assert.equal((await fetch(`${server.url}/api/reports/daily`, { headers: operator.headers })).status, 403);
  const deputy = await loginAs(db, server.url, 'deputy');
  assert.equal((await fetch(`${server.url}/api/dashboard`, { headers: deputy.headers })).status, 200);
});

test('totals count the tickets filed in the period by city day, with the on-time share of known outcomes', async () => {
  const d = await getJson<Dashboard>('/api/dashboard?from=2026-11-20&to=2026-11-23');
  assert.deepEqual(d.period, { from: '2026-11-20', to: '2026-11-23', timeZone: 'Europe/Kyiv', now: '2026-11-23T09:00:00.000Z' });
  assert.deepEqual({ ...d.totals, onTimeShare: undefined }, { filed: 6, completed: 2, completedOnTime: 1, open: 3, overdue: 1, rejected: 1, onTimeShare: undefined });
  assert.equal(d.totals.onTimeShare?.toFixed(4), (1 / 3).toFixed(4));
  // The same count straight from the table, with the Kyiv day bounds written out in UTC.
  const [direct] = await db.sql<{ n: number }>(
    `SELECT count(*) AS n FROM tickets WHERE created_at >= '2026-11-19T22:00:00Z' AND created_at < '2026-11-23T22:00:00Z'`);
  assert.equal(d.totals.filed, Number(direct!.n));
  // A ticket at 23:30 Kyiv time on the 22nd belongs to the 22nd; one at 00:30 on the 23rd does not.
  const only22 = await getJson<Dashboard>('/api/dashboard?from=2026-11-22&to=2026-11-22');
  assert.equal(only22.totals.filed, 2);
});

test('counts by category and by status add up to the tickets in the database', async () => {
  const d = await getJson<Dashboard>('/api/dashboard?from=2026-11-20&to=2026-11-23');
  const byCategory = Object.fromEntries(d.byCategory.map((c) => [c.code, { filed: c.filed, open: c.open, completed: c.completed, overdue: c.overdue }]));
  assert.deepEqual(byCategory, {
    light: { filed: 4, open: 1, completed: 2, overdue: 0 },
    water: { filed: 2, open: 2, completed: 0, overdue: 1 },
  });
  const byStatus = Object.fromEntries(d.byStatus.filter((s) => s.filed > 0).map((s) => [s.code, s.filed]));
  const direct = await db.sql<{ status: string; n: number }>(
    `SELECT status, count(*) AS n FROM tickets WHERE created_at >= '2026-11-19T22:00:00Z' AND created_at < '2026-11-23T22:00:00Z' GROUP BY status`);
  assert.deepEqual(byStatus, Object.fromEntries(direct.map((r) => [r.status, Number(r.n)])));
  assert.deepEqual(byStatus, { closed: 1, done: 1, accepted: 1, new: 2, rejected: 1 });
  assert.equal(d.byStatus.length, 9, 'every status is listed, zero or not');
});

test('compliance per executor: share on time, medians to accept and to complete, overdue now', async () => {
  const d = await getJson<Dashboard>('/api/dashboard?from=2026-11-20&to=2026-11-23');
  const a = d.executors.find((e) => e.id === executorA);
  const b = d.executors.find((e) => e.id === executorB);
  assert.ok(a && b);
  assert.deepEqual({ filed: a.filed, completed: a.completed, onTime: a.completedOnTime, openOverdue: a.openOverdue, overdueNow: a.overdueNow }, { filed: 4, completed: 2, onTime: 1, openOverdue: 1, overdueNow: 1 });
  assert.equal(a.onTimeShare?.toFixed(4), (1 / 3).toFixed(4));
  assert.equal(a.medianAcceptMinutes, 10); // 5, 10, 20 minutes
  assert.equal(a.medianCompleteHours, 18); // 10 h and 26 h
  // B has nothing decided in the period, but an old ticket overdue since 11 November.
  assert.deepEqual({ filed: b.filed, completed: b.completed, share: b.onTimeShare, accept: b.medianAcceptMinutes, overdueNow: b.overdueNow }, { filed: 2, completed: 0, share: null, accept: null, overdueNow: 1 });
  assert.equal(d.executors[0]?.overdueNow, 1);
  const [overdue] = await db.sql<{ n: number }>(
    `SELECT count(*) AS n FROM tickets WHERE status NOT IN ('done', 'closed', 'rejected', 'duplicate') AND due_at < '2026-11-23T09:00:00Z'`);
  assert.equal(a.overdueNow + b.overdueNow, Number(overdue!.n));
});

test('the trend gives each day filed, completed and overdue at its end, up to now', async () => {
  const d = await getJson<Dashboard>('/api/dashboard?from=2026-11-20&to=2026-11-25');
  assert.deepEqual(d.trend, [
    { day: '2026-11-20', filed: 1, completed: 1, overdue: 1 },
    { day: '2026-11-21', filed: 2, completed: 0, overdue: 1 },
    { day: '2026-11-22', filed: 2, completed: 1, overdue: 1 },
    { day: '2026-11-23', filed: 1, completed: 0, overdue: 2 },
  ]);
});

test('the period is validated: bad dates, reversed and too long periods are field errors', async () => {
  for (const [query, field] of [['from=2026-13-01', 'from'], ['to=2026-02-30', 'to'], ['from=2026-11-23&to=2026-11-01', 'to'], ['from=2024-01-01&to=2026-01-01', 'from'], ['from=yesterday', 'from']] as const) {
    const res = await fetch(`${server.url}/api/dashboard?${query}`, { headers: supervisor });
    assert.equal(res.status, 400, query);
    const body = await res.json() as { errors: Array<{ field: string }> };
    assert.equal(body.errors[0]?.field, field, query);
  }
  const dflt = await getJson<Dashboard>('/api/dashboard');
  assert.deepEqual([dflt.period.from, dflt.period.to], ['2026-10-25', '2026-11-23']);
});

interface Daily {
  date: string;
  asOf: string;
  counts: { incoming: number; completed: number; overdue: number; outages: number };
  incoming: Array<{ id: number }>;
  completed: Array<{ id: number; onTime: boolean }>;
  overdue: Array<{ id: number }>;
  outages: Array<{ id: number; addresses: number; publicText: string }>;
}

test('the daily summary lists what came in, what was done, what was overdue at the day’s end, and the outages of the day', async () => {
  const r = await getJson<Daily>('/api/reports/daily?date=2026-11-22');
  assert.equal(r.asOf, '2026-11-22T22:00:00.000Z');
  assert.deepEqual(r.incoming.map((t) => t.id), [ids.t3, ids.t4]);
  assert.deepEqual(r.completed.map((t) => [t.id, t.onTime]), [[ids.t2, false]]);
  assert.deepEqual(r.overdue.map((t) => t.id), [ids.t6]);
  assert.deepEqual(r.outages.map((o) => [o.id, o.addresses]), [[ids.outageOn22, 2]]);
  assert.deepEqual(r.counts, { incoming: 2, completed: 1, overdue: 1, outages: 1 });
  const today = await getJson<Daily>('/api/reports/daily');
  assert.equal(today.date, '2026-11-23');
  assert.equal(today.asOf, '2026-11-23T09:00:00.000Z');
  assert.deepEqual(today.overdue.map((t) => t.id).sort((x, y) => x - y), [ids.t3, ids.t6].sort((x, y) => x! - y!));
  assert.deepEqual(today.incoming.map((t) => t.id), [ids.t5]);
});

test('the daily summary as CSV: one row per item, a section column, and no formulas', async () => {
  const res = await fetch(`${server.url}/api/reports/daily?date=2026-11-22&format=csv`, { headers: supervisor });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
  assert.match(res.headers.get('content-disposition') ?? '', /misto-daily-2026-11-22\.csv/);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 byte-order mark for spreadsheets');
  const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
  assert.equal(lines[0], 'section,id,category_or_utility,status,executor,address,created_or_starts_at,due_or_ends_at,done_at,on_time,addresses,text');
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), ['incoming', 'incoming', 'completed', 'overdue', 'outage']);
  const outage = lines.at(-1) ?? '';
  assert.match(outage, /,"'=Ремонт водогону, води не буде до 16:00"$/, 'a cell that starts with = is written as text');
  assert.match(outage, /2026-11-22 08:00,2026-11-22 16:00/, 'times are the city’s wall clock');
  const bad = await fetch(`${server.url}/api/reports/daily?date=2026-11-22&format=xlsx`, { headers: supervisor });
  assert.equal(bad.status, 400);
});
