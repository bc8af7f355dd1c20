// Addresses: search as people type them, reverse lookup from a point, the operator's card, and the public "is my address affected?".
import { maybeOne, type Queryable } from '../db/db.js';
import { badRequest, notFound, type FieldError } from '../http/problem.js';

export const DEFAULT_SEARCH_LIMIT = 10;
export const MAX_SEARCH_LIMIT = 50;
export const MAX_QUERY_LENGTH = 200;
/** The card's "around the address": a courtyard and its neighbours. */
export const DEFAULT_CARD_RADIUS_M = 150;
export const MAX_CARD_RADIUS_M = 1000;
/** A point further than this from every address has no address (a field, the river). */
export const NEAREST_MAX_M = 500;
/** A citizen's pin this close to a house counts as that house for its street-range notices. */
export const AFFECTED_NEAR_M = 25;

export interface AddressHit {
  id: number;
  label: string;
  street: string;
  house_number: string;
  lon: number;
  lat: number;
  score?: number;
  distance_m?: number;
}

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, name: string, errors: FieldError[]): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) {
    errors.push({ field: name, message: 'give it once' });
    return undefined;
  }
  return v;
}

function integer(raw: string | undefined, name: string, fallback: number, min: number, max: number, errors: FieldError[]): number {
  if (raw === undefined || raw === '') return fallback;
  const n = /^[0-9]{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) {
    errors.push({ field: name, message: `expected a whole number from ${min} to ${max}` });
    return fallback;
  }
  return n;
}

function coordinate(raw: string | undefined, name: 'lon' | 'lat', errors: FieldError[]): number | undefined {
  const limit = name === 'lon' ? 180 : 90;
  const n = raw !== undefined && /^-?[0-9]{1,3}(\.[0-9]{1,15})?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(Math.abs(n) <= limit)) {
    errors.push({ field: name, message: `expected a ${name === 'lon' ? 'longitude' : 'latitude'} in degrees (WGS 84), from -${limit} to ${limit}` });
    return undefined;
  }
  return n;
}

function fail(errors: FieldError[]): void {
  if (errors.length > 0) throw badRequest(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

export type AddressLookup =
  | { kind: 'search'; q: string; limit: number }
  | { kind: 'nearest'; lon: number; lat: number; limit: number };

/** GET /api/addresses takes either ?q= (search) or ?lon=&lat= (reverse lookup), not both. */
export function parseAddressLookup(query: Query): AddressLookup {
  const errors: FieldError[] = [];
  const q = single(query, 'q', errors);
  const lonRaw = single(query, 'lon', errors);
  const latRaw = single(query, 'lat', errors);
  const limit = integer(single(query, 'limit', errors), 'limit', DEFAULT_SEARCH_LIMIT, 1, MAX_SEARCH_LIMIT, errors);
  if (q !== undefined && (lonRaw !== undefined || latRaw !== undefined)) {
    errors.push({ field: 'q', message: 'give either q (search) or lon and lat (nearest address), not both' });
  } else if (q !== undefined) {
    if (q.trim() === '') errors.push({ field: 'q', message: 'type part of an address, e.g. "Бучми 18д"' });
    else if (q.length > MAX_QUERY_LENGTH) errors.push({ field: 'q', message: `at most ${MAX_QUERY_LENGTH} characters` });
    fail(errors);
    return { kind: 'search', q, limit };
  } else if (lonRaw !== undefined || latRaw !== undefined) {
    const lon = coordinate(lonRaw, 'lon', errors);
    const lat = coordinate(latRaw, 'lat', errors);
    fail(errors);
    return { kind: 'nearest', lon: lon!, lat: lat!, limit: query.limit === undefined ? 1 : limit };
  } else {
    errors.push({ field: 'q', message: 'give q (search) or lon and lat (nearest address)' });
  }
  fail(errors);
  throw new Error('unreachable');
}

export function parsePoint(query: Query): { lon: number; lat: number } {
  const errors: FieldError[] = [];
  const lon = coordinate(single(query, 'lon', errors), 'lon', errors);
  const lat = coordinate(single(query, 'lat', errors), 'lat', errors);
  fail(errors);
  return { lon: lon!, lat: lat! };
}

export function parseCardQuery(query: Query): { radiusM: number } {
  const errors: FieldError[] = [];
  const radiusM = integer(single(query, 'radius_m', errors), 'radius_m', DEFAULT_CARD_RADIUS_M, 1, MAX_CARD_RADIUS_M, errors);
  fail(errors);
  return { radiusM };
}

export async function searchAddresses(q: Queryable, text: string, limit: number): Promise<AddressHit[]> {
  return q.query<AddressHit>('addresses/search', { q: text, limit });
}

export async function nearestAddresses(q: Queryable, lon: number, lat: number, limit: number): Promise<AddressHit[]> {
  return q.query<AddressHit>('addresses/nearest', { lon, lat, limit, maxM: NEAREST_MAX_M });
}

export async function addressCard(q: Queryable, id: number, radiusM: number, now: Date): Promise<unknown> {
  const row = await maybeOne<{ card: unknown }>(q, 'addresses/card', { id, radiusM, now, ticketLimit: 50, closedLimit: 10, objectLimit: 50 });
  if (!row) throw notFound(`There is no address ${id}.`);
  return row.card;
}

export async function affectedAddress(q: Queryable, id: number, now: Date): Promise<unknown> {
  const row = await maybeOne<{ affected: unknown }>(q, 'addresses/affected_by_address', { id, now });
  if (!row) throw notFound(`There is no address ${id}.`);
  return row.affected;
}

export async function affectedPoint(q: Queryable, lon: number, lat: number, now: Date): Promise<unknown> {
  const row = await maybeOne<{ affected: unknown }>(q, 'addresses/affected_by_point', { lon, lat, now, nearM: AFFECTED_NEAR_M });
  return row!.affected;
}
