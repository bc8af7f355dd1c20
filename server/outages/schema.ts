// Outage and telephonogram requests checked at the edge: each field validated, errors named by field, nothing malformed reaches SQL.
import { badRequest, type FieldError } from '../http/problem.js';

/** A buffer below a metre draws nothing; above 2 km it is a district, and a polygon says that better. */
export const MIN_BUFFER_M = 1;
export const MAX_BUFFER_M = 2000;
/** Kharkiv is 350 km²; a zone bigger than this is a slip of the mouse, not an outage. */
export const MAX_ZONE_AREA_M2 = 1000 * 1_000_000;
export const MAX_VERTICES = 20_000;
/** A zone lies in one city: wider or taller than this many degrees is a slip of the mouse, and near ±180° the
 *  earth's geometry gives out (PostGIS refuses an edge between antipodes), so such a drawing is refused here. */
export const MAX_ZONE_SPAN_DEG = 1;
export const MAX_ADDRESS_IDS = 5000;
export const MAX_PUBLIC_TEXT = 2000;

export type Parity = 'odd' | 'even';

export type ZoneInput =
  | { source: 'polygon'; geojson: string }
  | { source: 'line'; geojson: string | null; objectId: number | null; bufferM: number }
  | { source: 'street_range'; streetId: number; houseFrom: number | null; houseTo: number | null; parity: Parity | null }
  | { source: 'addresses'; addressIds: number[] };

export type OutageKind = 'planned' | 'emergency';

export interface OutageInput {
  utility: string;
  kind: OutageKind;
  /** Null: the executor user's own organisation. */
  executorId: number | null;
  startsAt: Date;
  endsAt: Date | null;
  publicText: string;
  zone: ZoneInput;
}

export interface OutagePatch {
  version: number;
  kind?: OutageKind;
  startsAt?: Date;
  endsAt?: Date | null;
  publicText?: string;
  zone?: ZoneInput;
}

export interface ManualTelephonogramInput {
  addressIds: number[];
  text: string;
  validUntil: Date | null;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= 2_147_483_647;

function requireObject(body: unknown): Json {
  if (!isObject(body)) throw badRequest('The request body must be a JSON object.', [{ field: '', message: 'expected a JSON object' }]);
  return body;
}

function unknownFields(body: Json, allowed: readonly string[], errors: FieldError[], prefix = '') {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) errors.push({ field: prefix + key, message: `unknown field; allowed: ${allowed.join(', ')}` });
  }
}

function timestamp(value: unknown, field: string, errors: FieldError[]): Date | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    errors.push({ field, message: 'expected an ISO 8601 date-time with a time zone, e.g. 2026-11-23T10:00:00+02:00' });
    return undefined;
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) {
    errors.push({ field, message: 'not a real date-time' });
    return undefined;
  }
  return d;
}

function text(value: unknown, field: string, errors: FieldError[], max: number): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push({ field, message: 'expected a non-empty text' });
    return undefined;
  }
  if (value.length > max) {
    errors.push({ field, message: `at most ${max} characters (got ${value.length})` });
    return undefined;
  }
  return value.trim();
}

function kind(value: unknown, field: string, errors: FieldError[]): OutageKind | undefined {
  if (value === 'planned' || value === 'emergency') return value;
  errors.push({ field, message: "expected 'planned' or 'emergency'" });
  return undefined;
}

/** Counts the positions checked so far, so a huge drawing is refused before it is walked whole. */
interface VertexBudget { left: number }

function position(p: unknown, field: string, errors: FieldError[], budget: VertexBudget): boolean {
  if (--budget.left < 0) {
    errors.push({ field, message: `too many vertices (at most ${MAX_VERTICES})` });
    return false;
  }
  if (!Array.isArray(p) || p.length < 2 || p.length > 3 || !p.every((c) => typeof c === 'number' && Number.isFinite(c))) {
    errors.push({ field, message: 'expected a position [longitude, latitude]' });
    return false;
  }
  const [lon, lat] = p as number[];
  if (lon! < -180 || lon! > 180 || lat! < -90 || lat! > 90) {
    errors.push({ field, message: `position [${lon}, ${lat}] is not a longitude/latitude in WGS 84` });
    return false;
  }
  return true;
}

function ring(r: unknown, field: string, errors: FieldError[], budget: VertexBudget): boolean {
  if (!Array.isArray(r)) {
    errors.push({ field, message: 'expected a ring: an array of positions' });
    return false;
  }
  if (r.length === 0) {
    errors.push({ field, message: 'the ring is empty' });
    return false;
  }
  for (let i = 0; i < r.length; i++) if (!position(r[i], `${field}[${i}]`, errors, budget)) return false;
  if (r.length < 4) {
    errors.push({ field, message: `a ring needs at least 4 positions (3 corners and the first again); got ${r.length}` });
    return false;
  }
  const first = r[0] as number[];
  const last = r[r.length - 1] as number[];
  if (first[0] !== last[0] || first[1] !== last[1]) {
    errors.push({ field, message: 'the ring is not closed: its last position must repeat the first' });
    return false;
  }
  return true;
}

function polygonRings(coords: unknown, field: string, errors: FieldError[], budget: VertexBudget): boolean {
  if (!Array.isArray(coords)) {
    errors.push({ field, message: 'expected an array of rings' });
    return false;
  }
  if (coords.length === 0) {
    errors.push({ field, message: 'the polygon is empty: draw at least three corners' });
    return false;
  }
  return coords.every((r, i) => ring(r, `${field}[${i}]`, errors, budget));
}

/** A GeoJSON Polygon or MultiPolygon, structurally sound; its geometry (self-intersection) is judged in SQL. */
export function geoJsonPolygon(value: unknown, field: string, errors: FieldError[]): string | undefined {
  const budget = { left: MAX_VERTICES };
  if (!isObject(value) || (value.type !== 'Polygon' && value.type !== 'MultiPolygon')) {
    errors.push({ field, message: 'expected a GeoJSON geometry of type Polygon or MultiPolygon' });
    return undefined;
  }
  const coords = value.coordinates;
  let ok: boolean;
  if (value.type === 'Polygon') {
    ok = polygonRings(coords, `${field}.coordinates`, errors, budget);
  } else if (!Array.isArray(coords) || coords.length === 0) {
    errors.push({ field: `${field}.coordinates`, message: 'the multipolygon is empty: draw at least one polygon' });
    ok = false;
  } else {
    ok = coords.every((p, i) => polygonRings(p, `${field}.coordinates[${i}]`, errors, budget));
  }
  return ok && withinSpan(coords, `${field}.coordinates`, errors) ? JSON.stringify({ type: value.type, coordinates: coords }) : undefined;
}

/** Whether the (already checked) positions under `coords` fit in MAX_ZONE_SPAN_DEG of longitude and of latitude. */
function withinSpan(coords: unknown, field: string, errors: FieldError[]): boolean {
  let [west, south, east, north] = [Infinity, Infinity, -Infinity, -Infinity];
  const stack: unknown[] = [coords];
  while (stack.length > 0) {
    const v = stack.pop();
    if (!Array.isArray(v)) continue;
    if (typeof v[0] === 'number') {
      const [lon, lat] = v as number[];
      west = Math.min(west, lon!); east = Math.max(east, lon!); south = Math.min(south, lat!); north = Math.max(north, lat!);
    } else {
      stack.push(...v);
    }
  }
  if (east - west > MAX_ZONE_SPAN_DEG || north - south > MAX_ZONE_SPAN_DEG) {
    errors.push({ field, message: `the drawing spans more than ${MAX_ZONE_SPAN_DEG}° (${(east - west).toFixed(2)}° × ${(north - south).toFixed(2)}°); an outage zone lies within one city` });
    return false;
  }
  return true;
}

function geoJsonLine(value: Json, field: string, errors: FieldError[]): string | undefined {
  const budget = { left: MAX_VERTICES };
  const coords = value.coordinates;
  if (!Array.isArray(coords) || coords.length < 2) {
    errors.push({ field: `${field}.coordinates`, message: 'a line needs at least two positions' });
    return undefined;
  }
  for (let i = 0; i < coords.length; i++) if (!position(coords[i], `${field}.coordinates[${i}]`, errors, budget)) return undefined;
  if (!withinSpan(coords, `${field}.coordinates`, errors)) return undefined;
  return JSON.stringify({ type: 'LineString', coordinates: coords });
}

function optionalHouse(value: unknown, field: string, errors: FieldError[]): number | null | undefined {
  if (value === undefined || value === null) return null;
  if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > 100_000) {
    errors.push({ field, message: 'expected a house number from 0 to 100000 (its leading digits)' });
    return undefined;
  }
  return value as number;
}

function addressIds(value: unknown, field: string, errors: FieldError[]): number[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push({ field, message: 'expected a non-empty array of address ids' });
    return undefined;
  }
  if (value.length > MAX_ADDRESS_IDS) {
    errors.push({ field, message: `at most ${MAX_ADDRESS_IDS} addresses; for more, draw a polygon` });
    return undefined;
  }
  const bad = value.findIndex((v) => !isId(v));
  if (bad >= 0) {
    errors.push({ field: `${field}[${bad}]`, message: 'expected a positive whole number' });
    return undefined;
  }
  return [...new Set(value as number[])];
}

/**
 * A zone given as exactly one of: { polygon }, { line, buffer_m }, { street_id, house_from?,
 * house_to?, parity? } or { address_ids }.
 */
export function zoneInput(value: unknown, errors: FieldError[], field = 'zone'): ZoneInput | undefined {
  if (!isObject(value)) {
    errors.push({ field, message: 'expected an object: { polygon } or { line, buffer_m } or { street_id, house_from, house_to } or { address_ids }' });
    return undefined;
  }
  const kinds = ['polygon', 'line', 'street_id', 'address_ids'].filter((k) => value[k] !== undefined);
  if (kinds.length !== 1) {
    errors.push({ field, message: kinds.length === 0
      ? 'give one of polygon, line (with buffer_m), street_id (with house_from/house_to) or address_ids'
      : `give only one of ${kinds.join(', ')}` });
    return undefined;
  }
  const before = errors.length;
  switch (kinds[0]) {
    case 'polygon': {
      unknownFields(value, ['polygon'], errors, `${field}.`);
      const geojson = geoJsonPolygon(value.polygon, `${field}.polygon`, errors);
      return geojson && errors.length === before ? { source: 'polygon', geojson } : undefined;
    }
    case 'line': {
      unknownFields(value, ['line', 'buffer_m'], errors, `${field}.`);
      const line = value.line;
      let geojson: string | null = null;
      let objectId: number | null = null;
      if (isObject(line) && line.type === 'LineString') {
        geojson = geoJsonLine(line, `${field}.line`, errors) ?? null;
      } else if (isObject(line) && line.object_id !== undefined && Object.keys(line).length === 1) {
        if (isId(line.object_id)) objectId = line.object_id;
        else errors.push({ field: `${field}.line.object_id`, message: 'expected the id of an infrastructure object (a line)' });
      } else {
        errors.push({ field: `${field}.line`, message: 'expected a GeoJSON LineString or { object_id }' });
      }
      const b = value.buffer_m;
      if (typeof b !== 'number' || !Number.isFinite(b)) {
        errors.push({ field: `${field}.buffer_m`, message: `expected the buffer in metres, from ${MIN_BUFFER_M} to ${MAX_BUFFER_M}` });
      } else if (b < MIN_BUFFER_M) {
        errors.push({ field: `${field}.buffer_m`, message: `the buffer must be at least ${MIN_BUFFER_M} m (got ${b}): a line with no width covers no address` });
      } else if (b > MAX_BUFFER_M) {
        errors.push({ field: `${field}.buffer_m`, message: `the buffer is at most ${MAX_BUFFER_M} m (got ${b}); for a wider area draw a polygon` });
      }
      return errors.length === before ? { source: 'line', geojson, objectId, bufferM: b as number } : undefined;
    }
    case 'street_id': {
      unknownFields(value, ['street_id', 'house_from', 'house_to', 'parity'], errors, `${field}.`);
      if (!isId(value.street_id)) errors.push({ field: `${field}.street_id`, message: 'expected the id of a street' });
      const houseFrom = optionalHouse(value.house_from, `${field}.house_from`, errors);
      const houseTo = optionalHouse(value.house_to, `${field}.house_to`, errors);
      if (typeof houseFrom === 'number' && typeof houseTo === 'number' && houseTo < houseFrom) {
        errors.push({ field: `${field}.house_to`, message: `the range ends (${houseTo}) before it starts (${houseFrom})` });
      }
      const parity = value.parity ?? null;
      if (parity !== null && parity !== 'odd' && parity !== 'even') {
        errors.push({ field: `${field}.parity`, message: "expected 'odd', 'even' or nothing (both sides)" });
      }
      return errors.length === before
        ? { source: 'street_range', streetId: value.street_id as number, houseFrom: houseFrom ?? null, houseTo: houseTo ?? null, parity: parity as Parity | null }
        : undefined;
    }
    default: {
      unknownFields(value, ['address_ids'], errors, `${field}.`);
      const ids = addressIds(value.address_ids, `${field}.address_ids`, errors);
      return ids && errors.length === before ? { source: 'addresses', addressIds: ids } : undefined;
    }
  }
}

function throwIfAny(errors: FieldError[]) {
  if (errors.length > 0) throw badRequest(`${errors.length === 1 ? 'A field is' : `${errors.length} fields are`} not valid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
}

function windowErrors(kind: OutageKind | undefined, startsAt: Date | undefined, endsAt: Date | null | undefined, errors: FieldError[]) {
  if (startsAt && endsAt && endsAt.getTime() <= startsAt.getTime()) {
    errors.push({ field: 'ends_at', message: `the end (${endsAt.toISOString()}) is not after the start (${startsAt.toISOString()})` });
  }
  if (kind === 'planned' && endsAt === null) {
    errors.push({ field: 'ends_at', message: 'planned work needs an expected end; only an emergency may leave it open' });
  }
}

export function parseCreate(body: unknown): OutageInput {
  const b = requireObject(body);
  const errors: FieldError[] = [];
  unknownFields(b, ['utility', 'kind', 'executor_id', 'starts_at', 'ends_at', 'public_text', 'zone'], errors);
  const utility = typeof b.utility === 'string' && /^[a-z_]{1,32}$/.test(b.utility) ? b.utility : undefined;
  if (!utility) errors.push({ field: 'utility', message: 'expected a utility code such as water, hot_water, heating, power, gas, sewer' });
  const k = kind(b.kind, 'kind', errors);
  let executorId: number | null = null;
  if (b.executor_id !== undefined && b.executor_id !== null) {
    if (isId(b.executor_id)) executorId = b.executor_id;
    else errors.push({ field: 'executor_id', message: 'expected the id of the executor organisation' });
  }
  const startsAt = timestamp(b.starts_at, 'starts_at', errors);
  const endsAt = b.ends_at === undefined || b.ends_at === null ? null : timestamp(b.ends_at, 'ends_at', errors);
  const publicText = text(b.public_text, 'public_text', errors, MAX_PUBLIC_TEXT);
  const zone = zoneInput(b.zone, errors);
  windowErrors(k, startsAt, endsAt, errors);
  throwIfAny(errors);
  return { utility: utility!, kind: k!, executorId, startsAt: startsAt!, endsAt: endsAt ?? null, publicText: publicText!, zone: zone! };
}

export function parsePatch(body: unknown): OutagePatch {
  const b = requireObject(body);
  const errors: FieldError[] = [];
  unknownFields(b, ['version', 'kind', 'starts_at', 'ends_at', 'public_text', 'zone'], errors);
  if (!isId(b.version)) errors.push({ field: 'version', message: 'expected the version you read (GET /api/outages/:id), so that a concurrent edit is not overwritten' });
  const patch: OutagePatch = { version: b.version as number };
  if (b.kind !== undefined) patch.kind = kind(b.kind, 'kind', errors);
  if (b.starts_at !== undefined) patch.startsAt = timestamp(b.starts_at, 'starts_at', errors);
  if (b.ends_at !== undefined) patch.endsAt = b.ends_at === null ? null : timestamp(b.ends_at, 'ends_at', errors);
  if (b.public_text !== undefined) patch.publicText = text(b.public_text, 'public_text', errors, MAX_PUBLIC_TEXT);
  if (b.zone !== undefined) patch.zone = zoneInput(b.zone, errors);
  if (Object.keys(b).length === 1 && b.version !== undefined) errors.push({ field: '', message: 'nothing to change: give kind, starts_at, ends_at, public_text or zone' });
  throwIfAny(errors);
  return patch;
}

/** The window after a patch, checked like a new outage's. */
export function checkWindow(kindValue: OutageKind, startsAt: Date, endsAt: Date | null) {
  const errors: FieldError[] = [];
  windowErrors(kindValue, startsAt, endsAt, errors);
  throwIfAny(errors);
}

export function parsePreview(body: unknown): ZoneInput {
  const b = requireObject(body);
  const errors: FieldError[] = [];
  unknownFields(b, ['zone'], errors);
  const zone = zoneInput(b.zone, errors);
  throwIfAny(errors);
  return zone!;
}

/** An optional { version } on cancel/resolve: given, a stale one is a conflict. */
export function parseEnd(body: unknown): { version: number | null; note: string | null } {
  const b = body === undefined || body === null || (isObject(body) && Object.keys(body).length === 0) ? {} : requireObject(body);
  const errors: FieldError[] = [];
  unknownFields(b, ['version', 'note'], errors);
  if (b.version !== undefined && !isId(b.version)) errors.push({ field: 'version', message: 'expected the version you read' });
  const note = b.note === undefined ? null : text(b.note, 'note', errors, 1000) ?? null;
  throwIfAny(errors);
  return { version: (b.version as number | undefined) ?? null, note };
}

export function parseManualTelephonograms(body: unknown): ManualTelephonogramInput {
  const b = requireObject(body);
  const errors: FieldError[] = [];
  unknownFields(b, ['address_ids', 'text', 'valid_until'], errors);
  const ids = addressIds(b.address_ids, 'address_ids', errors);
  const t = text(b.text, 'text', errors, MAX_PUBLIC_TEXT);
  const validUntil = b.valid_until === undefined || b.valid_until === null ? null : timestamp(b.valid_until, 'valid_until', errors);
  throwIfAny(errors);
  return { addressIds: ids!, text: t!, validUntil: validUntil ?? null };
}

/** ?category= of GET /api/outages/explaining: a category code as categories.code allows it. */
export function parseCategoryCode(raw: unknown): string {
  if (typeof raw !== 'string' || !/^[a-z0-9_-]{1,64}$/.test(raw)) {
    throw badRequest('category must be a category code', [{ field: 'category', message: 'expected a category code, e.g. no_water' }]);
  }
  return raw;
}

/** Ids of integer columns (addresses, streets, organisations) stop here; a larger one would fail in SQL instead of here. */
export const MAX_INT4 = 2_147_483_647;

export function parseId(raw: string | undefined, field: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = raw !== undefined && /^[1-9][0-9]{0,14}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n > max) throw badRequest(`${field} must be a whole number from 1 to ${max}`, [{ field, message: `expected a whole number from 1 to ${max}` }]);
  return n;
}

/** ?bbox=west,south,east,north in WGS 84. */
export function parseBbox(raw: unknown): [number, number, number, number] | null {
  if (raw === undefined) return null;
  const parts = typeof raw === 'string' ? raw.split(',').map((p) => (p.trim() === '' ? NaN : Number(p))) : [];
  const [w, s, e, n] = parts as [number, number, number, number];
  if (parts.length !== 4 || !parts.every(Number.isFinite) || w < -180 || e > 180 || s < -90 || n > 90 || w >= e || s >= n) {
    throw badRequest('bbox must be west,south,east,north in degrees, with west < east and south < north',
      [{ field: 'bbox', message: 'expected west,south,east,north, e.g. 36.2,49.9,36.4,50.1' }]);
  }
  return [w, s, e, n];
}
