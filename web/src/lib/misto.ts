// Misto's API as the app uses it: typed calls in one place, and the shapes they return.
import { api, type Query } from './api.js';

export interface Category {
  code: string;
  name_uk: string;
  name_en: string;
  group: string;
  hasAttributes: boolean;
}

interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  group: string;
}

let categoriesPromise: Promise<Category[]> | undefined;

/** The categories (Open311 services): service_name is Ukrainian, description English. */
export function loadCategories(): Promise<Category[]> {
  categoriesPromise ??= api<Open311Service[]>('/open311/v2/services.json')
    .then((list) => list.map((s) => ({ code: s.service_code, name_uk: s.service_name, name_en: s.description || s.service_name, group: s.group, hasAttributes: s.metadata })))
    .catch((err) => {
      categoriesPromise = undefined;
      throw err;
    });
  return categoriesPromise;
}

export interface CategoryAttribute {
  code: string;
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
  required: boolean;
  description: string;
  datatype_description: string | null;
  order: number;
  variable: boolean;
  values?: { key: string; name: string }[];
}

export async function loadCategoryAttributes(code: string): Promise<CategoryAttribute[]> {
  const def = await api<{ attributes: CategoryAttribute[] }>(`/open311/v2/services/${encodeURIComponent(code)}.json`);
  return def.attributes.filter((a) => a.variable !== false);
}

/** Colours by category group: distinct hues, none of them the overdue red. */
export const GROUP_COLOURS: Record<string, string> = {
  lighting: '#e0a800',
  water: '#1e88e5',
  heating: '#ef6c00',
  power: '#8e24aa',
  gas: '#6d4c41',
  roads: '#546e7a',
  housing: '#00897b',
  telecom: '#3949ab',
  railway: '#5d4037',
  infrastructure: '#7cb342',
};
const FALLBACK_COLOURS = ['#26a69a', '#5c6bc0', '#ab47bc', '#8d6e63', '#78909c', '#9e9d24'];

export function groupColour(group: string, index = 0): string {
  return GROUP_COLOURS[group] ?? FALLBACK_COLOURS[index % FALLBACK_COLOURS.length] ?? '#607d8b';
}

export interface AddressHit {
  id: number;
  label: string;
  lon: number;
  lat: number;
}

/** Address search answers as a list, or a list under addresses/items/results; points as lon/lat or [lon, lat]. */
export function normaliseAddresses(body: unknown): AddressHit[] {
  const list = (Array.isArray(body) ? body : ((body as Record<string, unknown>)?.addresses ?? (body as Record<string, unknown>)?.items ?? (body as Record<string, unknown>)?.results ?? [])) as Array<Record<string, unknown>>;
  return list
    .map((a) => {
      const point = (a.point ?? a.location ?? a.coordinates) as unknown;
      let lon = Number(a.lon ?? a.long ?? a.lng);
      let lat = Number(a.lat);
      if (Array.isArray(point)) [lon, lat] = point.map(Number) as [number, number];
      else if (point && typeof point === 'object' && Array.isArray((point as { coordinates?: unknown }).coordinates)) {
        [lon, lat] = ((point as { coordinates: number[] }).coordinates).map(Number) as [number, number];
      }
      return { id: Number(a.id), label: String(a.label ?? a.address ?? a.name ?? ''), lon, lat };
    })
    .filter((a) => Number.isFinite(a.id) && a.label !== '');
}

export function searchAddresses(q: string, limit = 8): Promise<AddressHit[]> {
  return api<unknown>('/api/addresses', { query: { q, limit } }).then(normaliseAddresses);
}

/** A public ticket as Open311 and the live stream give it. */
export interface PublicTicket {
  service_request_id: string;
  status: 'open' | 'closed';
  status_code?: string;
  status_name?: string;
  status_notes: string | null;
  service_name: string;
  service_code: string;
  description: string | null;
  agency_responsible: string;
  service_notice: string;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string;
  address: string | null;
  lat: number;
  long: number;
  media_url: string | null;
  group?: string;
  duplicate_of?: string | null;
}

export interface PublicEvent {
  at: string;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  note: string | null;
}

export interface CitizenCard {
  ticket: PublicTicket;
  events: PublicEvent[];
  rating: number | null;
  may_rate: boolean;
  may_reopen: boolean;
}

export async function loadPublicTicket(id: number | string): Promise<PublicTicket> {
  const list = await api<PublicTicket[]>(`/open311/v2/requests/${encodeURIComponent(String(id))}.json`);
  const first = list[0];
  if (!first) throw new Error('not found');
  return first;
}

/** The reporter's own card (with the public history), by the token they got when filing. */
export function loadCitizenCard(token: string): Promise<CitizenCard> {
  return api<CitizenCard>(`/api/public/tickets/${encodeURIComponent(token)}`);
}

export interface RoutingPreview {
  executor: { name: string; phone: string | null };
  routed_by: string;
  needs_routing: boolean;
  deadline_class: string;
  accept_due_at: string;
  due_at: string;
  service_notice: string;
}

export function routingPreview(lon: number, lat: number, category: string, signal?: AbortSignal): Promise<RoutingPreview> {
  return api<RoutingPreview>('/api/routing', { query: { lon: lon.toFixed(6), lat: lat.toFixed(6), category }, ...(signal ? { signal } : {}) });
}

export interface DuplicateCandidate {
  id: number;
  status: string;
  distance_m: number;
  created_at: string;
  description: string;
}

export function duplicateCandidates(lon: number, lat: number, category: string, signal?: AbortSignal): Promise<{ radius_m: number; candidates: DuplicateCandidate[] }> {
  return api('/api/duplicates', { query: { lon: lon.toFixed(6), lat: lat.toFixed(6), category }, ...(signal ? { signal } : {}) });
}

export interface CreatedTicket {
  id: number;
  token: string;
  status: string;
  category: string;
  executor: { name: string; phone: string | null };
  needs_routing: boolean;
  deadline_class: string;
  due_at: string;
  service_notice: string;
  duplicate_of: number | null;
  outage: { id: number; public_text: string; ends_at: string | null } | null;
}

export interface ComplaintInput {
  category: string;
  lon?: number;
  lat?: number;
  address_id?: number | null;
  address_string?: string | null;
  description: string;
  attributes?: Record<string, string | number | string[]>;
  media_url?: string | null;
  first_name?: string;
  phone?: string;
  email?: string;
  duplicate_of?: number | null;
}

export function fileComplaint(input: ComplaintInput, idempotencyKey: string): Promise<CreatedTicket> {
  return api<CreatedTicket>('/api/public/tickets', { method: 'POST', body: input, headers: { 'idempotency-key': idempotencyKey } });
}

/** Tokens of the tickets this browser filed: they open the full card with its history. */
export function rememberToken(id: number, token: string) {
  try {
    const all = JSON.parse(localStorage.getItem('misto.tokens') ?? '{}') as Record<string, string>;
    all[String(id)] = token;
    localStorage.setItem('misto.tokens', JSON.stringify(all));
  } catch {
    // Private mode without storage: the number still works for tracking.
  }
}

export function knownToken(id: number | string): string | undefined {
  try {
    return (JSON.parse(localStorage.getItem('misto.tokens') ?? '{}') as Record<string, string>)[String(id)];
  } catch {
    return undefined;
  }
}

export function get<T>(path: string, query?: Query): Promise<T> {
  return api<T>(path, query ? { query } : {});
}

/** Ownership status colours on the inspector's map and in its legend. */
export const OWNERSHIP_COLOURS: Record<string, string> = {
  owned: '#2e7d32',
  disputed: '#ef6c00',
  ownerless: '#c62828',
  under_investigation: '#78909c',
};
