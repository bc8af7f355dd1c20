// Input checks for objects, claims and the ownerless register: each reader adds field errors, none throws.
import type { FieldError } from '../http/problem.js';

export type Errors = FieldError[];

export interface LonLat {
  lon: number;
  lat: number;
}

export interface GeoJsonPoint {
  type: 'Point';
  coordinates: [number, number];
}

export interface GeoJsonLineString {
  type: 'LineString';
  coordinates: [number, number][];
}

export type ObjectGeometry = GeoJsonPoint | GeoJsonLineString;

const MAX_LINE_VERTICES = 2000;
/** Ids of integer columns (organisations) stop here; a larger one would fail in SQL instead of here. */
export const MAX_INT4 = 2_147_483_647;
const MAX_PHOTOS = 20;
const MAX_URL = 2000;

/** A query-string value given once; an array (the key repeated) is an error. */
function single(raw: unknown, field: string, errors: Errors): string | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) {
    errors.push({ field, message: 'give it once' });
    return undefined;
  }
  return typeof raw === 'string' ? raw : String(raw);
}

/** A finite number from a query string or JSON body, within [min, max]. */
export function numberIn(raw: unknown, field: string, errors: Errors, opts: { min: number; max: number; required?: boolean; fallback?: number; unit?: string }): number | undefined {
  const value = typeof raw === 'number' ? String(raw) : single(raw, field, errors);
  const range = `from ${opts.min} to ${opts.max}${opts.unit ? ` ${opts.unit}` : ''}`;
  if (value === undefined || value.trim() === '') {
    if (opts.required) errors.push({ field, message: `required: a number ${range}` });
    return opts.fallback;
  }
  const n = Number(value);
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value) || !Number.isFinite(n)) {
    errors.push({ field, message: `not a number: a number ${range}` });
    return undefined;
  }
  if (n < opts.min || n > opts.max) {
    errors.push({ field, message: `out of range: a number ${range}` });
    return undefined;
  }
  return n;
}

/** lon/lat on the earth: -180..180, -90..90. */
export function lonLat(lonRaw: unknown, latRaw: unknown, errors: Errors): LonLat | undefined {
  const lon = numberIn(lonRaw, 'lon', errors, { min: -180, max: 180, required: true, unit: 'degrees of longitude' });
  const lat = numberIn(latRaw, 'lat', errors, { min: -90, max: 90, required: true, unit: 'degrees of latitude' });
  return lon === undefined || lat === undefined ? undefined : { lon, lat };
}

/** A positive whole id (path parameter or body field). */
export function id(raw: unknown, field: string, errors: Errors, opts: { required?: boolean; max?: number } = { required: true }): number | undefined {
  if (raw === undefined || raw === null || raw === '') {
    if (opts.required) errors.push({ field, message: 'required: a positive whole number' });
    return undefined;
  }
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : undefined;
  if (text === undefined || !/^[1-9][0-9]{0,14}$/.test(text) || Number(text) > (opts.max ?? Number.MAX_SAFE_INTEGER)) {
    errors.push({ field, message: 'not an id: a positive whole number' });
    return undefined;
  }
  return Number(text);
}

/** An organisation id, or null to clear it; undefined when not given. */
export function organisationId(raw: unknown, field: string, errors: Errors): number | null | undefined {
  if (raw === null) return null;
  if (raw === undefined) return undefined;
  return id(raw, field, errors, { required: true, max: MAX_INT4 });
}

/** Text of 1..max characters after trimming. */
export function text(raw: unknown, field: string, errors: Errors, opts: { required?: boolean; max: number }): string | undefined {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
    if (opts.required) errors.push({ field, message: `required: text of 1 to ${opts.max} characters` });
    return undefined;
  }
  if (typeof raw !== 'string') {
    errors.push({ field, message: `not text: text of 1 to ${opts.max} characters` });
    return undefined;
  }
  const value = raw.trim();
  if (value.length > opts.max) {
    errors.push({ field, message: `too long: at most ${opts.max} characters` });
    return undefined;
  }
  return value;
}

/** One of a fixed set of codes. */
export function oneOf<T extends string>(raw: unknown, field: string, allowed: readonly T[], errors: Errors, opts: { required?: boolean } = {}): T | undefined {
  if (raw === undefined || raw === null || raw === '') {
    if (opts.required) errors.push({ field, message: `required: one of ${allowed.join(', ')}` });
    return undefined;
  }
  if (typeof raw !== 'string' || !(allowed as readonly string[]).includes(raw)) {
    errors.push({ field, message: `must be one of ${allowed.join(', ')}` });
    return undefined;
  }
  return raw as T;
}

/** A calendar date YYYY-MM-DD that exists (no 2026-02-30). */
export function calendarDate(raw: unknown, field: string, errors: Errors, opts: { required?: boolean } = {}): string | undefined {
  if (raw === undefined || raw === null || raw === '') {
    if (opts.required) errors.push({ field, message: 'required: a date as YYYY-MM-DD' });
    return undefined;
  }
  if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) ||
      new Date(`${raw}T00:00:00Z`).toISOString().slice(0, 10) !== raw || raw < '1800-01-01') {
    errors.push({ field, message: 'not a date: a real date as YYYY-MM-DD (from 1800)' });
    return undefined;
  }
  return raw;
}

/** A moment: an ISO 8601 date-time with an offset or Z, or a date (midnight UTC). */
export function instant(raw: unknown, field: string, errors: Errors, opts: { required?: boolean } = {}): Date | undefined {
  if (raw === undefined || raw === null || raw === '') {
    if (opts.required) errors.push({ field, message: 'required: a date (YYYY-MM-DD) or a date-time with its offset' });
    return undefined;
  }
  if (typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(raw)) {
    const date = calendarDate(raw, field, errors);
    return date === undefined ? undefined : new Date(`${date}T00:00:00Z`);
  }
  if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) ||
      Number.isNaN(Date.parse(raw)) || raw < '1800') {
    errors.push({ field, message: 'not a moment: a date (YYYY-MM-DD) or a date-time with its offset, e.g. 2026-11-23T09:00:00+02:00' });
    return undefined;
  }
  return new Date(raw);
}

function position(raw: unknown): [number, number] | undefined {
  if (!Array.isArray(raw) || raw.length < 2 || raw.length > 3) return undefined;
  const [lon, lat] = raw as unknown[];
  if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat)) return undefined;
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) return undefined;
  return [lon, lat];
}

/** A GeoJSON Point or LineString in WGS 84 with every position on the earth. */
export function geometry(raw: unknown, field: string, errors: Errors): ObjectGeometry | undefined {
  if (raw === undefined || raw === null) {
    errors.push({ field, message: 'required: a GeoJSON Point or LineString in WGS 84 (lon, lat)' });
    return undefined;
  }
  const g = raw as { type?: unknown; coordinates?: unknown };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    errors.push({ field, message: 'not a GeoJSON geometry: give {"type": "Point", "coordinates": [lon, lat]} or a LineString' });
    return undefined;
  }
  if (g.type === 'Point') {
    const p = position(g.coordinates);
    if (!p) {
      errors.push({ field, message: 'a Point needs coordinates [lon, lat] with lon -180..180 and lat -90..90' });
      return undefined;
    }
    return { type: 'Point', coordinates: p };
  }
  if (g.type === 'LineString') {
    const list = Array.isArray(g.coordinates) ? g.coordinates.map(position) : [];
    if (list.length < 2 || list.length > MAX_LINE_VERTICES || list.some((p) => p === undefined)) {
      errors.push({ field, message: `a LineString needs 2 to ${MAX_LINE_VERTICES} positions [lon, lat] on the earth` });
      return undefined;
    }
    const points = list as [number, number][];
    if (points.every((p) => p[0] === points[0]![0] && p[1] === points[0]![1])) {
      errors.push({ field, message: 'a LineString needs at least two different positions' });
      return undefined;
    }
    return { type: 'LineString', coordinates: points };
  }
  errors.push({ field, message: 'the type must be Point or LineString' });
  return undefined;
}

/** Photo URLs (http or https), at most 20. */
export function photos(raw: unknown, field: string, errors: Errors): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length > MAX_PHOTOS) {
    errors.push({ field, message: `a list of at most ${MAX_PHOTOS} photo URLs` });
    return undefined;
  }
  const bad = raw.findIndex((u) => typeof u !== 'string' || u.length > MAX_URL || !/^https?:\/\/[^\s]+$/.test(u) || !URL.canParse(u));
  if (bad >= 0) {
    errors.push({ field: `${field}[${bad}]`, message: `not a photo URL: an http(s) URL of at most ${MAX_URL} characters` });
    return undefined;
  }
  return raw as string[];
}

/** A JSON body as a plain object (an array or a scalar is an error). */
export function body(raw: unknown, errors: Errors): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    errors.push({ field: '(body)', message: 'the body must be a JSON object' });
    return {};
  }
  return raw as Record<string, unknown>;
}

/** Evidence (document reference and its date) — both or neither; `required` when a change needs it. */
export function evidence(refRaw: unknown, dateRaw: unknown, errors: Errors, opts: { required: boolean; today: string }): { ref: string; date: string } | undefined {
  const before = errors.length;
  const ref = text(refRaw, 'evidence_ref', errors, { max: 500, required: opts.required });
  const date = calendarDate(dateRaw, 'evidence_date', errors, { required: opts.required });
  if (errors.length > before) return undefined;
  if (ref !== undefined && date === undefined) {
    errors.push({ field: 'evidence_date', message: 'evidence needs the date of its document (YYYY-MM-DD)' });
    return undefined;
  }
  if (date !== undefined && ref === undefined) {
    errors.push({ field: 'evidence_ref', message: 'a date needs the document reference it belongs to' });
    return undefined;
  }
  if (date !== undefined && date > opts.today) {
    errors.push({ field: 'evidence_date', message: `the document cannot be dated after today (${opts.today})` });
    return undefined;
  }
  return ref !== undefined && date !== undefined ? { ref, date } : undefined;
}

/** Today as YYYY-MM-DD in UTC. */
export function isoDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}
