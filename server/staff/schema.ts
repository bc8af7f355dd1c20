// Validation at the edge for the staff ticket API: query strings and bodies in, typed values or field errors out.
import { badRequest, type FieldError } from '../http/problem.js';

export const STATUSES = ['new', 'accepted', 'in_progress', 'needs_info', 'reopened', 'done', 'closed', 'rejected', 'duplicate'] as const;
export type Status = typeof STATUSES[number];

const MAX_ID = 2 ** 53 - 1;
/** Ids of integer columns (organisations, api_keys) stop here; a larger one would fail in SQL instead of here. */
export const MAX_INT4 = 2_147_483_647;
const NOTE_MAX = 4000;

/** Collects field errors so one answer names every wrong field. */
class Fields {
  readonly errors: FieldError[] = [];
  constructor(private readonly source: Record<string, unknown>) {}

  fail(field: string, message: string): undefined {
    this.errors.push({ field, message });
    return undefined;
  }

  raw(field: string): unknown {
    const v = this.source[field];
    // A query string may repeat a key; the staff API takes the last one except where a list is meant.
    return Array.isArray(v) && typeof v[0] === 'string' ? v[v.length - 1] : v;
  }

  id(field: string, required: true, max?: number): number;
  id(field: string, required?: false, max?: number): number | undefined;
  id(field: string, required = false, max = MAX_ID): number | undefined {
    const v = this.raw(field);
    if (v === undefined || v === null || v === '') return required ? this.fail(field, 'required') : undefined;
    const n = typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) return this.fail(field, 'a positive whole number');
    return n;
  }

  int(field: string, fallback: number, min: number, max: number): number {
    const v = this.raw(field);
    if (v === undefined || v === '') return fallback;
    const n = typeof v === 'string' && /^-?\d{1,9}$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      this.fail(field, `a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  text(field: string, opts: { required?: boolean; max?: number; pattern?: RegExp } = {}): string | undefined {
    const v = this.raw(field);
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
      return opts.required ? this.fail(field, 'required') : undefined;
    }
    if (typeof v !== 'string') return this.fail(field, 'a string');
    const max = opts.max ?? NOTE_MAX;
    if (v.length > max) return this.fail(field, `at most ${max} characters`);
    if (opts.pattern && !opts.pattern.test(v)) return this.fail(field, `must match ${opts.pattern.source}`);
    return v.trim();
  }

  bool(field: string): boolean | undefined {
    const v = this.raw(field);
    if (v === undefined || v === '') return undefined;
    if (v === true || v === 'true' || v === '1') return true;
    if (v === false || v === 'false' || v === '0') return false;
    return this.fail(field, 'true or false');
  }

  oneOf<T extends string>(field: string, allowed: readonly T[], required = false): T | undefined {
    const v = this.raw(field);
    if (v === undefined || v === '') return required ? this.fail(field, 'required') : undefined;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) return this.fail(field, `one of ${allowed.join(', ')}`);
    return v as T;
  }

  done(detail: string): void {
    if (this.errors.length > 0) throw badRequest(detail, this.errors);
  }
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('The body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** A numeric id from the path; `what` names it in the error ("ticket", "API key"). */
export function parsePathId(raw: string | undefined, what: string, max = MAX_ID): number {
  const f = new Fields({ id: raw });
  const id = f.id('id', true, max);
  f.done(`The ${what} id in the path is not a number.`);
  return id;
}

export const parseTicketId = (raw: string | undefined) => parsePathId(raw, 'ticket');

export interface TicketListQuery {
  executorId: number | null;
  categoryCode: string | null;
  statuses: Status[] | null;
  overdue: boolean | null;
  needsRouting: boolean | null;
  bbox: [number, number, number, number] | null;
  ticketId: number | null;
  sort: 'created' | 'due';
  limit: number;
  offset: number;
}

export function parseTicketListQuery(query: Record<string, unknown>): TicketListQuery {
  const f = new Fields(query);
  const executorId = f.id('executor', false, MAX_INT4) ?? null;
  const categoryCode = f.text('category', { max: 100, pattern: /^[a-z0-9_-]+$/ }) ?? null;
  let statuses: Status[] | null = null;
  const rawStatus = query.status;
  if (rawStatus !== undefined && rawStatus !== '') {
    const parts = (Array.isArray(rawStatus) ? rawStatus : [rawStatus]).flatMap((s) => typeof s === 'string' ? s.split(',') : [s]);
    const bad = parts.filter((s) => typeof s !== 'string' || !(STATUSES as readonly string[]).includes(s));
    if (bad.length > 0) f.fail('status', `statuses from ${STATUSES.join(', ')}, comma-separated`);
    else statuses = [...new Set(parts as Status[])];
  }
  let bbox: TicketListQuery['bbox'] = null;
  const rawBbox = f.raw('bbox');
  if (rawBbox !== undefined && rawBbox !== '') {
    const nums = typeof rawBbox === 'string' ? rawBbox.split(',').map((s) => (s.trim() === '' ? NaN : Number(s))) : [];
    const [w, s, e, n] = nums as [number, number, number, number];
    if (nums.length !== 4 || nums.some((x) => !Number.isFinite(x)) || w < -180 || e > 180 || s < -90 || n > 90 || w >= e || s >= n) {
      f.fail('bbox', 'west,south,east,north in degrees (WGS 84), west < east and south < north');
    } else {
      bbox = [w, s, e, n];
    }
  }
  let ticketId: number | null = null;
  const q = f.text('q', { max: 40 });
  if (q !== undefined) {
    const m = /^#?(\d{1,16})$/.exec(q);
    if (!m) f.fail('q', 'a ticket number, like 1234 or #1234');
    else ticketId = Number(m[1]);
  }
  const result: TicketListQuery = {
    executorId,
    categoryCode,
    statuses,
    overdue: f.bool('overdue') ?? null,
    needsRouting: f.bool('needs_routing') ?? null,
    bbox,
    ticketId,
    sort: f.oneOf('sort', ['created', 'due'] as const) ?? 'created',
    limit: f.int('limit', 50, 1, 500),
    offset: f.int('offset', 0, 0, 1_000_000),
  };
  f.done('Some filters are not valid.');
  return result;
}

export interface CompletionInput {
  note: string;
  mediaUrl: string | null;
  lon: number | null;
  lat: number | null;
}

export interface TransitionInput {
  to: Status;
  note: string | null;
  reason: string | null;
  duplicateOf: number | null;
  completion: CompletionInput | null;
  version: number;
}

function parseCompletion(f: Fields, raw: unknown): CompletionInput | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) return f.fail('completion', 'an object with note, media_url, lon, lat') ?? null;
  const c = new Fields(raw as Record<string, unknown>);
  const note = c.text('note', { required: true });
  const mediaUrl = c.text('media_url', { max: 2000, pattern: /^https?:\/\/\S+$/ }) ?? null;
  const lonRaw = c.raw('lon');
  const latRaw = c.raw('lat');
  let lon: number | null = null;
  let lat: number | null = null;
  if (lonRaw !== undefined || latRaw !== undefined) {
    if (typeof lonRaw !== 'number' || !Number.isFinite(lonRaw) || lonRaw < -180 || lonRaw > 180) c.fail('lon', 'a longitude from -180 to 180, given with lat');
    else lon = lonRaw;
    if (typeof latRaw !== 'number' || !Number.isFinite(latRaw) || latRaw < -90 || latRaw > 90) c.fail('lat', 'a latitude from -90 to 90, given with lon');
    else lat = latRaw;
  }
  for (const e of c.errors) f.fail(`completion.${e.field}`, e.message);
  return c.errors.length === 0 ? { note: note as string, mediaUrl, lon, lat } : null;
}

export function parseTransition(body: unknown): TransitionInput {
  const f = new Fields(asObject(body));
  const to = f.oneOf('to', STATUSES, true);
  const note = f.text('note') ?? null;
  const reason = f.text('reason') ?? null;
  const duplicateOf = f.id('duplicate_of') ?? null;
  const completion = parseCompletion(f, f.raw('completion'));
  const version = f.id('version', true);
  if (to === 'done' && completion === null && !f.errors.some((e) => e.field.startsWith('completion'))) {
    f.fail('completion', 'completing a ticket needs a completion report: {note, media_url?, lon?, lat?}');
  }
  if ((to === 'rejected') && reason === null) f.fail('reason', 'rejecting a ticket needs a reason the citizen will read');
  if (to === 'needs_info' && note === null) f.fail('note', 'asking for clarification needs the question');
  if (to === 'duplicate' && duplicateOf === null) f.fail('duplicate_of', 'the ticket this one repeats');
  f.done('The transition is not valid.');
  return { to: to as Status, note, reason, duplicateOf, completion, version };
}

export function parseDecline(body: unknown): { reason: string; version: number } {
  const f = new Fields(asObject(body));
  const reason = f.text('reason', { required: true });
  const version = f.id('version', true);
  f.done('Declining needs a reason and the version you read.');
  return { reason: reason as string, version };
}

export function parseRoute(body: unknown): { executorId: number; note: string | null; version: number } {
  const f = new Fields(asObject(body));
  const executorId = f.id('executor_id', true, MAX_INT4);
  const note = f.text('note') ?? null;
  const version = f.id('version', true);
  f.done('Routing needs an executor_id and the version you read.');
  return { executorId, note, version };
}
