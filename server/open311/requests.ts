// Open311 GET requests: the query checked at the edge (dates, the 90-day span, bbox, paging), then the search.
import type { Queryable } from '../db/db.js';
import { badRequest, type FieldError } from '../http/problem.js';
import { loadPublicTickets, presentOpen311Request, type Open311Request } from '../tickets/present.js';

const DAY = 86_400_000;
/** GeoReport v2: a search spans at most 90 days and returns at most 1000 requests. */
export const MAX_SPAN_DAYS = 90;
export const MAX_RESULTS = 1000;

export interface RequestSearch {
  ids?: number[];
  serviceCodes?: string[];
  statuses?: ('open' | 'closed')[];
  start: Date;
  end: Date;
  bbox?: [number, number, number, number];
  page: number;
  pageSize: number;
}

type Query = Record<string, string | string[] | undefined>;

// W3C date-time: a date, or a date and time with a zone (Z or an offset).
const W3C = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2})))?$/;

/**
 * A W3C date-time as a Date, or undefined. Every field must be in its range: JavaScript's own
 * parser rolls 2026-02-30 over into March and reads 24:00 as the next day, which a client
 * that typed them did not mean. Years from 1000 keep the value inside what both databases store.
 */
export function parseW3cDateTime(text: string): Date | undefined {
  const m = W3C.exec(text);
  if (!m) return undefined;
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  const [year, month, day] = [n(1), n(2), n(3)];
  if (year < 1000 || month < 1 || month > 12 || day < 1 || n(4) > 23 || n(5) > 59 || n(6) > 59 || n(8) > 14 || n(9) > 59) return undefined;
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  const d = new Date(m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}T00:00:00Z` : text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const FIRST_INSTANT = Date.UTC(1000, 0, 1);
const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function parseRequestSearch(query: Query, now: Date): RequestSearch {
  const errors: FieldError[] = [];
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (Array.isArray(v)) { errors.push({ field: name, message: 'must be given once' }); return undefined; }
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const date = (name: string): Date | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    const d = parseW3cDateTime(v);
    if (!d) {
      errors.push({ field: name, message: 'must be a W3C date-time with a zone, e.g. 2026-11-23T00:00:00Z' });
      return undefined;
    }
    return d;
  };
  const whole = (name: string, min: number, max: number, fallback: number): number => {
    const v = one(name);
    if (v === undefined) return fallback;
    if (!/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) {
      errors.push({ field: name, message: `must be a whole number from ${min} to ${max}` });
      return fallback;
    }
    return Number(v);
  };

  const idsRaw = one('service_request_id');
  let ids: number[] | undefined;
  if (idsRaw !== undefined) {
    const parts = list(idsRaw);
    if (parts.length === 0 || parts.length > MAX_RESULTS || parts.some((p) => !/^[1-9]\d{0,14}$/.test(p))) {
      errors.push({ field: 'service_request_id', message: `must be a comma-separated list of up to ${MAX_RESULTS} request ids` });
    } else ids = [...new Set(parts.map(Number))];
  }
  const codesRaw = one('service_code');
  let serviceCodes: string[] | undefined;
  if (codesRaw !== undefined) {
    const parts = list(codesRaw);
    if (parts.length === 0 || parts.length > 100 || parts.some((p) => !/^[a-z0-9_-]{1,64}$/.test(p))) {
      errors.push({ field: 'service_code', message: 'must be a comma-separated list of service codes' });
    } else serviceCodes = parts;
  }
  const statusRaw = one('status');
  let statuses: ('open' | 'closed')[] | undefined;
  if (statusRaw !== undefined) {
    const parts = list(statusRaw);
    if (parts.length === 0 || parts.some((p) => p !== 'open' && p !== 'closed')) {
      errors.push({ field: 'status', message: 'must be open, closed or open,closed' });
    } else statuses = [...new Set(parts)] as ('open' | 'closed')[];
  }
  const bboxRaw = one('bbox');
  let bbox: [number, number, number, number] | undefined;
  if (bboxRaw !== undefined) {
    const parts = bboxRaw.split(',').map((s) => s.trim());
    const n = parts.map((p) => (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(p) ? Number(p) : NaN));
    const [w, s, e, nn] = n as [number, number, number, number];
    if (n.length !== 4 || n.some((x) => !Number.isFinite(x)) || w < -180 || e > 180 || s < -90 || nn > 90 || w >= e || s >= nn) {
      errors.push({ field: 'bbox', message: 'must be west,south,east,north in degrees (WGS 84), west < east and south < north' });
    } else bbox = [w, s, e, nn];
  }
  const startGiven = date('start_date');
  const endGiven = date('end_date');
  const page = whole('page', 1, 1_000_000, 1);
  const pageSize = whole('page_size', 1, MAX_RESULTS, MAX_RESULTS);

  // A span filled in from one given date stays inside the years a date may name (1000–9999):
  // the embedded database cannot be handed a five-digit year.
  const end = endGiven ?? (startGiven ? new Date(Math.min(startGiven.getTime() + MAX_SPAN_DAYS * DAY, LAST_INSTANT)) : now);
  const start = startGiven ?? new Date(Math.max(end.getTime() - MAX_SPAN_DAYS * DAY, FIRST_INSTANT));
  if (startGiven && endGiven) {
    if (end < start) errors.push({ field: 'end_date', message: 'must not be before start_date' });
    else if (end.getTime() - start.getTime() > MAX_SPAN_DAYS * DAY) {
      errors.push({ field: 'end_date', message: `start_date and end_date may be at most ${MAX_SPAN_DAYS} days apart` });
    }
  }
  if (errors.length > 0) throw badRequest('Some query parameters are not valid.', errors);
  return {
    ...(ids ? { ids } : {}), ...(serviceCodes ? { serviceCodes } : {}), ...(statuses ? { statuses } : {}), ...(bbox ? { bbox } : {}),
    start, end, page, pageSize,
  };
}

/** With service_request_id the other filters are ignored, as the spec says; otherwise newest first, one page. */
export async function searchRequests(q: Queryable, s: RequestSearch, timeZone: string): Promise<Open311Request[]> {
  let ids: number[];
  if (s.ids) {
    ids = s.ids;
  } else {
    const rows = await q.query<{ id: number }>('open311/requests-search', {
      start: s.start, end: s.end,
      serviceCodes: s.serviceCodes ? JSON.stringify(s.serviceCodes) : null,
      statuses: s.statuses ? JSON.stringify(s.statuses) : null,
      west: s.bbox?.[0] ?? null, south: s.bbox?.[1] ?? null, east: s.bbox?.[2] ?? null, north: s.bbox?.[3] ?? null,
      limit: s.pageSize, offset: (s.page - 1) * s.pageSize,
    });
    ids = rows.map((r) => r.id);
  }
  const byId = new Map((await loadPublicTickets(q, ids)).map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [presentOpen311Request(row, timeZone)] : [];
  });
}
