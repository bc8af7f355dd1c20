// The supervisor's figures (GET /api/dashboard, GET /api/reports/daily) as the dashboard and the daily summary use them.
import { api } from '../../lib/api.js';

export interface Named {
  code: string;
  name_uk: string;
  name_en: string;
}

export interface Dashboard {
  period: { from: string; to: string; timeZone: string; now: string };
  totals: { filed: number; completed: number; completedOnTime: number; open: number; overdue: number; rejected: number; onTimeShare: number | null };
  byCategory: Array<Named & { filed: number; open: number; completed: number; overdue: number }>;
  byStatus: Array<Named & { isOpen: boolean; filed: number }>;
  executors: Array<{
    id: number; code: string; name: string; filed: number; completed: number; completedOnTime: number; openOverdue: number; accepted: number;
    onTimeShare: number | null; medianAcceptMinutes: number | null; medianCompleteHours: number | null; overdueNow: number;
  }>;
  trend: Array<{ day: string; filed: number; completed: number; overdue: number }>;
}

export interface DailyTicket {
  id: number;
  category: Named;
  status: string;
  executor: string;
  address: string | null;
  createdAt: string;
  dueAt: string;
  doneAt?: string | null;
  onTime?: boolean | null;
  escalationLevel?: number;
}

export interface DailyOutage {
  id: number;
  utility: Named;
  kind: string;
  status: string;
  executor: string;
  startsAt: string;
  endsAt: string | null;
  publicText: string;
  addresses: number;
}

export interface DailyReport {
  date: string;
  timeZone: string;
  asOf: string;
  counts: { incoming: number; completed: number; overdue: number; outages: number };
  incoming: DailyTicket[];
  completed: DailyTicket[];
  overdue: DailyTicket[];
  outages: DailyOutage[];
}

export function loadDashboard(period: { from?: string | null; to?: string | null }, signal?: AbortSignal): Promise<Dashboard> {
  return api<Dashboard>('/api/dashboard', { query: { from: period.from, to: period.to }, ...(signal ? { signal } : {}) });
}

export function loadDailyReport(date: string | null, signal?: AbortSignal): Promise<DailyReport> {
  return api<DailyReport>('/api/reports/daily', { query: { date }, ...(signal ? { signal } : {}) });
}

export function dailyCsvUrl(date: string, lang: string): string {
  return `/api/reports/daily?date=${encodeURIComponent(date)}&format=csv&lang=${lang === 'en' ? 'en' : 'uk'}`;
}

/** The calendar date (YYYY-MM-DD) in `timeZone` at `at`. */
export function dayIn(at: string | Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

/** YYYY-MM-DD moved by n days (calendar arithmetic, no time zones). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

export const isDay = (s: string | null | undefined): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s);
