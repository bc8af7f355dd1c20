// The supervisor's dashboard and daily summary in real Chromium against the demo city, with the
// server's clock held still: every figure on the page is computed again here from the database's
// rows; the trend opens a day's summary, whose lists match the database, whose CSV downloads, and
// whose printed page leaves the controls out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { startBrowserApp, screenshot, logIn, type BrowserApp } from './harness.js';
import { demoPassword } from '../../fixtures/definitions.js';
import { ManualClock } from '../../server/clock.js';

const clock = new ManualClock(new Date());
const NOW = clock.now();
let app: BrowserApp;
before(async () => { app = await startBrowserApp({ clock }); });
after(async () => { await app?.close(); });

interface Row {
  id: number; status: string; is_open: boolean; category_code: string; executor_id: number;
  created_at: Date; due_at: Date; accepted_at: Date | null; done_at: Date | null; closed_at: Date | null;
  created_day: string; done_day: string | null;
}

/** Every ticket, with its city (Kyiv) day of filing and of completion. */
async function tickets(): Promise<Row[]> {
  return app.db.sql<Row>(`
    SELECT t.id, t.status, s.is_open, t.category_code, t.executor_id, t.created_at, t.due_at, t.accepted_at, t.done_at, t.closed_at,
           to_char(t.created_at AT TIME ZONE 'Europe/Kyiv', 'YYYY-MM-DD') AS created_day,
           to_char(t.done_at AT TIME ZONE 'Europe/Kyiv', 'YYYY-MM-DD') AS done_day
    FROM tickets t JOIN ticket_statuses s ON s.code = t.status`);
}

async function cityDay(offset: number): Promise<string> {
  const [row] = await app.db.sql<{ d: string }>(`SELECT to_char(($now::timestamptz AT TIME ZONE 'Europe/Kyiv')::date + $offset::int, 'YYYY-MM-DD') AS d`, { now: NOW, offset });
  return row!.d;
}

const completed = (r: Row) => r.done_at !== null && (r.status === 'done' || r.status === 'closed');
const open = (r: Row) => r.is_open && r.status !== 'done';
const overdueNow = (r: Row) => open(r) && r.due_at.getTime() < NOW.getTime();
function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const close = (a: number | null, b: number | null, eps = 1e-6) => (a === null || b === null ? a === b : Math.abs(a - b) <= eps);
const num = (v: string | null) => (v === null || v === '' ? null : Number(v));

async function openAs(login: string, path: string): Promise<Page> {
  const page = await app.newPage();
  await logIn(page, app.url, login, demoPassword(login));
  await page.goto(app.url + path);
  return page;
}

test('the dashboard shows the last 30 days: totals, categories, statuses, executors and the trend all match the database', async () => {
  const [from, to] = [await cityDay(-29), await cityDay(0)];
  const all = await tickets();
  const period = all.filter((r) => r.created_day >= from && r.created_day <= to);
  assert.ok(period.length > 20, 'the demo city filed tickets in the last 30 days');
  const page = await openAs('supervisor', '/dashboard');
  await page.waitForSelector('[data-testid="kpi-filed"]');

  const kpi = async (name: string) => num(await page.getAttribute(`[data-testid="kpi-${name}"]`, 'data-value'));
  const done = period.filter(completed);
  const late = period.filter(overdueNow);
  const onTime = done.filter((r) => r.done_at!.getTime() <= r.due_at.getTime());
  assert.equal(await kpi('filed'), period.length);
  assert.equal(await kpi('completed'), done.length);
  assert.equal(await kpi('open'), period.filter(open).length);
  assert.equal(await kpi('overdue'), late.length);
  assert.equal(await kpi('rejected'), period.filter((r) => r.status === 'rejected' || r.status === 'duplicate').length);
  assert.ok(close(await kpi('on-time'), onTime.length / (done.length + late.length)), 'on-time share');
  assert.match((await page.locator('[data-testid="kpi-filed"] .v').textContent()) ?? '', new RegExp(`^${period.length}$`));

  const categories = await page.locator('[data-testid="category-row"]').evaluateAll((rows) => rows.map((r) => ({
    code: r.getAttribute('data-code'), filed: Number(r.getAttribute('data-filed')), open: Number(r.getAttribute('data-open')),
    completed: Number(r.getAttribute('data-completed')), overdue: Number(r.getAttribute('data-overdue')),
  })));
  const codes = [...new Set(period.map((r) => r.category_code))];
  assert.equal(categories.length, codes.length, 'one row per category with tickets');
  for (const code of codes) {
    const mine = period.filter((r) => r.category_code === code);
    assert.deepEqual(categories.find((c) => c.code === code), {
      code, filed: mine.length, open: mine.filter(open).length, completed: mine.filter(completed).length, overdue: mine.filter(overdueNow).length,
    });
  }

  const statuses = await page.locator('[data-testid="status-row"]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-code'), Number(r.getAttribute('data-filed'))] as const));
  const [statusCount] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM ticket_statuses');
  assert.equal(statuses.length, statusCount!.n, 'every status is listed, empty ones too');
  for (const [code, filed] of statuses) assert.equal(filed, period.filter((r) => r.status === code).length, `status ${code}`);

  const executors = await page.locator('[data-testid="executor-row"]').evaluateAll((rows) => rows.map((r) => ({
    id: Number(r.getAttribute('data-executor-id')), filed: Number(r.getAttribute('data-filed')), completed: Number(r.getAttribute('data-completed')),
    onTime: r.getAttribute('data-on-time'), overdueNow: Number(r.getAttribute('data-overdue-now')),
    accept: r.getAttribute('data-median-accept'), complete: r.getAttribute('data-median-complete'),
  })));
  const ids = new Set([...period.map((r) => r.executor_id), ...all.filter(overdueNow).map((r) => r.executor_id)]);
  assert.deepEqual(new Set(executors.map((x) => x.id)), ids, 'every executor with tickets in the period or overdue now');
  for (const x of executors) {
    const mine = period.filter((r) => r.executor_id === x.id);
    const mineDone = mine.filter(completed);
    const mineLate = mine.filter(overdueNow);
    const mineOnTime = mineDone.filter((r) => r.done_at!.getTime() <= r.due_at.getTime());
    assert.equal(x.filed, mine.length, `executor ${x.id} filed`);
    assert.equal(x.completed, mineDone.length, `executor ${x.id} completed`);
    assert.equal(x.overdueNow, all.filter((r) => r.executor_id === x.id && overdueNow(r)).length, `executor ${x.id} overdue now`);
    const share = mineDone.length + mineLate.length > 0 ? mineOnTime.length / (mineDone.length + mineLate.length) : null;
    assert.ok(close(num(x.onTime), share), `executor ${x.id} on-time share ${x.onTime} vs ${share}`);
    const accept = median(mine.filter((r) => r.accepted_at).map((r) => (r.accepted_at!.getTime() - r.created_at.getTime()) / 60_000));
    const complete = median(mineDone.map((r) => (r.done_at!.getTime() - r.created_at.getTime()) / 3_600_000));
    assert.ok(close(num(x.accept), accept, 1e-3), `executor ${x.id} median to accept`);
    assert.ok(close(num(x.complete), complete, 1e-3), `executor ${x.id} median to complete`);
  }

  const trend = await page.locator('[data-testid="trend-day"]').evaluateAll((gs) => gs.map((g) => ({
    day: g.getAttribute('data-day'), filed: Number(g.getAttribute('data-filed')), completed: Number(g.getAttribute('data-completed')),
  })));
  assert.equal(trend.length, 30, 'one column per day');
  assert.equal(trend[0]!.day, from);
  assert.equal(trend.at(-1)!.day, to);
  for (const d of trend) {
    assert.equal(d.filed, all.filter((r) => r.created_day === d.day).length, `filed on ${d.day}`);
    assert.equal(d.completed, all.filter((r) => completed(r) && r.done_day === d.day).length, `completed on ${d.day}`);
  }
  await screenshot(page, 'dashboard');
  await page.evaluate(() => document.querySelector('.page')?.scrollTo(0, 10_000));
  await screenshot(page, 'dashboard-executors');
  await page.close();
});

test('the 7-day button narrows the period and the figures follow', async () => {
  const from = await cityDay(-6);
  const period = (await tickets()).filter((r) => r.created_day >= from);
  const page = await openAs('supervisor', '/dashboard');
  await page.waitForSelector('[data-testid="kpi-filed"]');
  await page.click('[data-testid="period-7"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="trend-day"]').length === 7);
  await page.waitForFunction((n) => document.querySelector('[data-testid="kpi-filed"]')?.getAttribute('data-value') === String(n), period.length);
  assert.equal(new URL(page.url()).searchParams.get('from'), from);
  assert.equal(await page.getAttribute('[data-testid="kpi-completed"]', 'data-value'), String(period.filter(completed).length));
  await page.close();
});

test('the daily summary for yesterday, opened from the trend, lists what came in, was done, is overdue and the outages, as the database has them', async () => {
  const day = await cityDay(-1);
  const [bounds] = await app.db.sql<{ lo: Date; hi: Date }>(
    `SELECT ($d::date)::timestamp AT TIME ZONE 'Europe/Kyiv' AS lo, ($d::date + 1)::timestamp AT TIME ZONE 'Europe/Kyiv' AS hi`, { d: day });
  const asOf = Math.min(bounds!.hi.getTime(), NOW.getTime());
  const all = await tickets();
  const incoming = all.filter((r) => r.created_day === day).sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id - b.id).map((r) => r.id);
  const done = all.filter((r) => completed(r) && r.done_day === day).sort((a, b) => a.done_at!.getTime() - b.done_at!.getTime() || a.id - b.id).map((r) => r.id);
  const overdue = all.filter((r) => r.created_at.getTime() < asOf && r.due_at.getTime() < asOf
    && (r.done_at === null || r.done_at.getTime() >= asOf) && (r.closed_at === null || r.closed_at.getTime() >= asOf)
    && r.status !== 'rejected' && r.status !== 'duplicate').map((r) => r.id);
  const outages = (await app.db.sql<{ id: number }>(`
    SELECT id FROM outages
    WHERE status <> 'cancelled' AND starts_at < $hi AND (ends_at IS NULL OR ends_at > $lo)
      AND NOT (status = 'resolved' AND ends_at IS NULL AND updated_at <= $lo)
    ORDER BY starts_at, id`, { lo: bounds!.lo, hi: bounds!.hi })).map((r) => r.id);
  assert.ok(incoming.length > 0 && overdue.length > 0, 'yesterday has tickets in and overdue');

  const page = await openAs('supervisor', '/dashboard');
  await page.waitForSelector(`[data-testid="trend-day"][data-day="${day}"]`);
  await page.click(`[data-testid="trend-day"][data-day="${day}"]`);
  await page.waitForSelector(`[data-testid="report-heading"][data-date="${day}"]`);
  assert.equal(new URL(page.url()).pathname, '/dashboard/daily');

  const ids = (table: string) => page.locator(`[data-testid="table-${table}"] tbody tr`).evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))));
  assert.deepEqual(await ids('incoming'), incoming, 'came in, in filing order');
  assert.deepEqual(done.length ? await ids('completed') : [], done, 'done, in completion order');
  assert.deepEqual(new Set(await ids('overdue')), new Set(overdue), 'overdue at the end of the day');
  assert.deepEqual(outages.length ? await ids('outages') : [], outages, 'outages in force that day');
  for (const [name, list] of [['incoming', incoming], ['completed', done], ['overdue', overdue], ['outages', outages]] as const) {
    assert.equal(await page.getAttribute(`[data-testid="count-${name}"]`, 'data-value'), String(list.length), `${name} count`);
  }
  await screenshot(page, 'daily-report');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="report-csv"]')]);
  assert.equal(download.suggestedFilename(), `misto-daily-${day}.csv`);
  const rows = parseCsv(readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, ''));
  assert.equal(rows[0]![0], 'section');
  const section = (name: string) => rows.slice(1).filter((r) => r[0] === name).map((r) => Number(r[1]));
  assert.deepEqual(section('incoming'), incoming);
  assert.deepEqual(section('completed'), done);
  assert.deepEqual(new Set(section('overdue')), new Set(overdue));
  assert.deepEqual(section('outage'), outages);

  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('header.app-header').isVisible(), false, 'no app header on paper');
  assert.equal(await page.locator('[data-testid="report-csv"]').isVisible(), false, 'no controls on paper');
  assert.equal(await page.locator('[data-testid="table-incoming"]').isVisible(), true);
  await screenshot(page, 'daily-report-print');
  await page.close();
});

test('the previous-day button and the date field move the summary; the dashboard is for supervisors, not inspectors', async () => {
  const page = await openAs('supervisor', '/dashboard/daily');
  const today = await cityDay(0);
  await page.waitForSelector(`[data-testid="report-heading"][data-date="${today}"]`);
  await page.click('[data-testid="report-prev"]');
  const yesterday = await cityDay(-1);
  await page.waitForSelector(`[data-testid="report-heading"][data-date="${yesterday}"]`);
  const earlier = await cityDay(-10);
  await page.fill('[data-testid="report-day"]', earlier);
  await page.click('button[type="submit"]:near([data-testid="report-day"])');
  await page.waitForSelector(`[data-testid="report-heading"][data-date="${earlier}"]`);
  const [n] = await app.db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM tickets WHERE to_char(created_at AT TIME ZONE 'Europe/Kyiv', 'YYYY-MM-DD') = $d`, { d: earlier });
  assert.equal(await page.getAttribute('[data-testid="count-incoming"]', 'data-value'), String(n!.n));
  await page.close();

  const inspector = await openAs('inspector', '/dashboard');
  await inspector.waitForSelector('.notice.warn');
  assert.equal(await inspector.locator('[data-testid="dashboard-page"]').count(), 0);
  await inspector.close();
});

/** RFC 4180 CSV: quoted cells may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r') continue;
    else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else cell += c;
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row); }
  return rows;
}
