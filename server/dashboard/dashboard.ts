// The supervisor's figures: period dashboard and the daily summary, read straight from the
// tickets and outages tables (sql/dashboard/*), in the city's time zone.
import type { Queryable } from '../db/db.js';
import { badRequest, type FieldError } from '../http/problem.js';
import { isoWithOffset } from '../tickets/zone-time.js';

/** Days, deadlines and the daily summary follow the city's wall clock, not the server's. */
export const CITY_TIME_ZONE = 'Europe/Kyiv';
const MAX_PERIOD_DAYS = 366;
const DEFAULT_PERIOD_DAYS = 30;

const DAY_MS = 86_400_000;

/** The city's calendar date (YYYY-MM-DD) at `at`. */
export function cityDate(at: Date, timeZone = CITY_TIME_ZONE): string {
  return isoWithOffset(at, timeZone).slice(0, 10);
}

function parseDay(value: unknown, field: string, errors: FieldError[]): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    errors.push({ field, message: 'a date as YYYY-MM-DD' });
    return undefined;
  }
  const d = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    errors.push({ field, message: 'a date that exists in the calendar' });
    return undefined;
  }
  return value;
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const daysBetween = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);

export interface Period {
  from: string;
  to: string;
}

/** from/to as city days (inclusive); by default the 30 days up to today. */
export function parsePeriod(query: Record<string, unknown>, now: Date): Period {
  const errors: FieldError[] = [];
  const from = parseDay(query.from, 'from', errors);
  const to = parseDay(query.to, 'to', errors);
  if (errors.length) throw badRequest('The period is not valid.', errors);
  const end = to ?? (from ? addDays(from, DEFAULT_PERIOD_DAYS - 1) : cityDate(now));
  const start = from ?? addDays(end, -(DEFAULT_PERIOD_DAYS - 1));
  if (daysBetween(start, end) < 0) throw badRequest('The period ends before it starts.', [{ field: 'to', message: 'a date on or after from' }]);
  if (daysBetween(start, end) >= MAX_PERIOD_DAYS) {
    throw badRequest(`A period is at most ${MAX_PERIOD_DAYS} days.`, [{ field: 'from', message: `at most ${MAX_PERIOD_DAYS} days before to` }]);
  }
  return { from: start, to: end };
}

export function parseDailyDate(query: Record<string, unknown>, now: Date): string {
  const errors: FieldError[] = [];
  const date = parseDay(query.date, 'date', errors);
  if (errors.length) throw badRequest('The date is not valid.', errors);
  return date ?? cityDate(now);
}

const n = (v: unknown) => Number(v ?? 0);
const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);

interface TotalsRow { filed: number; completed: number; completed_on_time: number; open: number; overdue: number; rejected: number }
interface CategoryRow { code: string; name_uk: string; name_en: string; filed: number; open: number; completed: number; overdue: number }
interface StatusRow { code: string; name_uk: string; name_en: string; is_open: boolean; filed: number }
interface ExecutorRow {
  id: number; code: string; name: string; filed: number; completed: number; completed_on_time: number; open_overdue: number;
  accepted: number; on_time_share: number | null; median_accept_minutes: number | null; median_complete_hours: number | null; overdue_now: number;
}
interface TrendRow { day: string; filed: number; completed: number; overdue: number }

export async function dashboard(db: Queryable, period: Period, now: Date) {
  const params = { from: period.from, to: period.to, tz: CITY_TIME_ZONE, now };
  const [totals, byCategory, byStatus, executors, trend] = await Promise.all([
    db.query<TotalsRow>('dashboard/totals', params),
    db.query<CategoryRow>('dashboard/by-category', params),
    db.query<StatusRow>('dashboard/by-status', params),
    db.query<ExecutorRow>('dashboard/executors', params),
    db.query<TrendRow>('dashboard/trend', params),
  ]);
  const t = totals[0] as TotalsRow;
  return {
    period: { ...period, timeZone: CITY_TIME_ZONE, now: now.toISOString() },
    totals: {
      filed: n(t.filed),
      completed: n(t.completed),
      completedOnTime: n(t.completed_on_time),
      open: n(t.open),
      overdue: n(t.overdue),
      rejected: n(t.rejected),
      onTimeShare: share(n(t.completed_on_time), n(t.completed) + n(t.overdue)),
    },
    byCategory: byCategory.map((r) => ({ code: r.code, name_uk: r.name_uk, name_en: r.name_en, filed: n(r.filed), open: n(r.open), completed: n(r.completed), overdue: n(r.overdue) })),
    byStatus: byStatus.map((r) => ({ code: r.code, name_uk: r.name_uk, name_en: r.name_en, isOpen: r.is_open, filed: n(r.filed) })),
    executors: executors.map((r) => ({
      id: r.id,
      code: r.code,
      name: r.name,
      filed: n(r.filed),
      completed: n(r.completed),
      completedOnTime: n(r.completed_on_time),
      openOverdue: n(r.open_overdue),
      accepted: n(r.accepted),
      onTimeShare: r.on_time_share === null ? null : Number(r.on_time_share),
      medianAcceptMinutes: r.median_accept_minutes === null ? null : Number(r.median_accept_minutes),
      medianCompleteHours: r.median_complete_hours === null ? null : Number(r.median_complete_hours),
      overdueNow: n(r.overdue_now),
    })),
    trend: trend.map((r) => ({ day: r.day, filed: n(r.filed), completed: n(r.completed), overdue: n(r.overdue) })),
  };
}

interface DailyTicketRow {
  id: number; category_code: string; category_uk: string; category_en: string; status: string; executor: string;
  address: string | null; created_at: Date; due_at: Date; done_at?: Date | null; on_time?: boolean | null; escalation_level?: number;
}
interface DailyOutageRow {
  id: number; utility: string; utility_uk: string; utility_en: string; kind: string; status: string; executor: string;
  starts_at: Date; ends_at: Date | null; public_text: string; addresses: number;
}

export async function dailyReport(db: Queryable, date: string, now: Date) {
  const params = { date, tz: CITY_TIME_ZONE, now };
  const [asOf, incoming, completed, overdue, outages] = await Promise.all([
    db.query<{ at: Date }>('dashboard/as-of', params),
    db.query<DailyTicketRow>('dashboard/daily-incoming', params),
    db.query<DailyTicketRow>('dashboard/daily-completed', params),
    db.query<DailyTicketRow>('dashboard/daily-overdue', params),
    db.query<DailyOutageRow>('dashboard/daily-outages', params),
  ]);
  const ticket = (r: DailyTicketRow) => ({
    id: Number(r.id),
    category: { code: r.category_code, name_uk: r.category_uk, name_en: r.category_en },
    status: r.status,
    executor: r.executor,
    address: r.address,
    createdAt: r.created_at.toISOString(),
    dueAt: r.due_at.toISOString(),
    ...(r.done_at !== undefined ? { doneAt: r.done_at ? r.done_at.toISOString() : null, onTime: r.on_time ?? null } : {}),
    ...(r.escalation_level !== undefined ? { escalationLevel: r.escalation_level } : {}),
  });
  return {
    date,
    timeZone: CITY_TIME_ZONE,
    // Overdue is judged at the end of the day, or now while the day is still going.
    asOf: (asOf[0] as { at: Date }).at.toISOString(),
    counts: { incoming: incoming.length, completed: completed.length, overdue: overdue.length, outages: outages.length },
    incoming: incoming.map(ticket),
    completed: completed.map(ticket),
    overdue: overdue.map(ticket),
    outages: outages.map((r) => ({
      id: Number(r.id),
      utility: { code: r.utility, name_uk: r.utility_uk, name_en: r.utility_en },
      kind: r.kind,
      status: r.status,
      executor: r.executor,
      startsAt: r.starts_at.toISOString(),
      endsAt: r.ends_at ? r.ends_at.toISOString() : null,
      publicText: r.public_text,
      addresses: n(r.addresses),
    })),
  };
}

export type DailyReport = Awaited<ReturnType<typeof dailyReport>>;

/** A spreadsheet cell: quoted when needed, and never a formula (a cell starting with = + - @ is text). */
function cell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** "2026-11-23 15:00": a moment in the city's time, as the CSV gives it. */
function local(at: string | null | undefined): string {
  if (!at) return '';
  return isoWithOffset(new Date(at), CITY_TIME_ZONE).slice(0, 16).replace('T', ' ');
}

/** The daily summary as one CSV table (a section column tells incoming, completed, overdue and outage rows apart). */
export function dailyReportCsv(report: DailyReport, lang: 'uk' | 'en'): string {
  const header = ['section', 'id', 'category_or_utility', 'status', 'executor', 'address', 'created_or_starts_at', 'due_or_ends_at', 'done_at', 'on_time', 'addresses', 'text'];
  const rows: unknown[][] = [header];
  const name = (x: { name_uk: string; name_en: string }) => (lang === 'en' ? x.name_en : x.name_uk);
  for (const [section, list] of [['incoming', report.incoming], ['completed', report.completed], ['overdue', report.overdue]] as const) {
    for (const t of list) {
      const done = 'doneAt' in t ? t.doneAt : null;
      const onTime = 'onTime' in t ? t.onTime : null;
      rows.push([section, t.id, name(t.category), t.status, t.executor, t.address ?? '', local(t.createdAt), local(t.dueAt), local(done), onTime === null ? '' : onTime ? 'yes' : 'no', '', '']);
    }
  }
  for (const o of report.outages) {
    rows.push(['outage', o.id, name(o.utility), o.status, o.executor, '', local(o.startsAt), local(o.endsAt), '', '', o.addresses, o.publicText]);
  }
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
