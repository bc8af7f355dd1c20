// The staff API as the operator and executor screens use it: tickets, the address card, executors, outages — typed calls and the shapes they return.
import type { Geometry } from 'geojson';
import { api, type Query } from '../../lib/api.js';
import { localName } from '../../i18n/index.svelte.js';
import type { Category } from '../../lib/misto.js';

export type TicketStatus = 'new' | 'accepted' | 'in_progress' | 'needs_info' | 'reopened' | 'done' | 'closed' | 'rejected' | 'duplicate';
export const OPEN_STATUSES: TicketStatus[] = ['new', 'accepted', 'in_progress', 'needs_info', 'reopened'];
export const ALL_STATUSES: TicketStatus[] = [...OPEN_STATUSES, 'done', 'closed', 'rejected', 'duplicate'];

export interface StaffTicket {
  id: number;
  status: TicketStatus;
  category: { code: string; name: string };
  description: string;
  address: { id: number | null; text: string | null };
  location: { lon: number; lat: number };
  executor: { id: number; name: string; phone?: string | null };
  needs_routing: boolean;
  routed_by: string;
  deadline_class: string;
  source: string;
  created_at: string;
  updated_at: string;
  accept_due_at: string;
  due_at: string;
  accepted_at: string | null;
  done_at: string | null;
  closed_at: string | null;
  due_in_seconds: number | null;
  accept_due_in_seconds: number | null;
  overdue: boolean;
  accept_overdue: boolean;
  escalation_level: number;
  outage_id: number | null;
  duplicate_of: number | null;
  version: number;
}

export interface TicketEvent {
  id: number;
  at: string;
  kind: string;
  actor: { kind: string; user_id: number | null; name: string | null };
  from_status: TicketStatus | null;
  to_status: TicketStatus | null;
  note: string | null;
  public: boolean;
  data: Record<string, unknown>;
}

export interface StaffTicketDetail extends StaffTicket {
  attributes: Record<string, unknown>;
  media_url: string | null;
  object_id: number | null;
  rating: number | null;
  intake: { cause: string | null; premises_access: string | null; caller_informed: boolean | null };
  completion: { note: string | null; media_url: string | null; lon: number | null; lat: number | null } | null;
  contact?: { first_name?: string | null; last_name?: string | null; phone?: string | null; email?: string | null };
  events: TicketEvent[];
  actions: { transitions: TicketStatus[]; decline: boolean; route: boolean };
}

/** A list row with the moment its timers run out on this browser's clock (the server's seconds-left, counted from when it answered). */
export interface TimedTicket extends StaffTicket {
  dueAtMs: number | null;
  acceptDueAtMs: number | null;
}

export function timed<T extends StaffTicket>(ticket: T, answeredAt: number): T & { dueAtMs: number | null; acceptDueAtMs: number | null } {
  return {
    ...ticket,
    dueAtMs: ticket.due_in_seconds === null ? null : answeredAt + ticket.due_in_seconds * 1000,
    acceptDueAtMs: ticket.accept_due_in_seconds === null ? null : answeredAt + ticket.accept_due_in_seconds * 1000,
  };
}

/** The queue's filter as its controls hold it (select values are strings). */
export interface QueueFilter {
  executor: string;
  category: string;
  /** 'open', 'all', or one status. */
  status: string;
  overdue: boolean;
}

export interface TicketListFilter {
  executor?: number | null;
  category?: string | null;
  /** Comma-separated statuses. */
  status?: string | null;
  overdue?: boolean | null;
  sort?: 'created' | 'due';
  limit?: number;
}

export async function listTickets(filter: TicketListFilter, signal?: AbortSignal): Promise<{ tickets: TimedTicket[]; next_offset: number | null }> {
  const query: Query = {
    executor: filter.executor ?? undefined,
    category: filter.category ?? undefined,
    status: filter.status ?? undefined,
    overdue: filter.overdue ?? undefined,
    sort: filter.sort ?? 'due',
    limit: filter.limit ?? 100,
  };
  const body = await api<{ tickets: StaffTicket[]; next_offset: number | null }>('/api/tickets', { query, ...(signal ? { signal } : {}) });
  const at = Date.now();
  return { tickets: body.tickets.map((t) => timed(t, at)), next_offset: body.next_offset };
}

export async function loadTicket(id: number, signal?: AbortSignal): Promise<StaffTicketDetail & { dueAtMs: number | null; acceptDueAtMs: number | null }> {
  const body = await api<StaffTicketDetail>(`/api/tickets/${id}`, signal ? { signal } : {});
  return timed(body, Date.now());
}

export interface TransitionBody {
  to: TicketStatus;
  version: number;
  note?: string;
  reason?: string;
  duplicate_of?: number;
  completion?: { note: string; media_url?: string };
}

export function transitionTicket(id: number, body: TransitionBody): Promise<{ id: number; status: TicketStatus; version: number }> {
  return api(`/api/tickets/${id}/transitions`, { method: 'POST', body });
}

export function declineTicket(id: number, body: { reason: string; version: number }): Promise<{ id: number; version: number }> {
  return api(`/api/tickets/${id}/decline`, { method: 'POST', body });
}

export function routeTicket(id: number, body: { executor_id: number; note?: string; version: number }): Promise<{ id: number; version: number }> {
  return api(`/api/tickets/${id}/route`, { method: 'POST', body });
}

export interface Executor {
  id: number;
  code: string;
  name: string;
  phone: string | null;
}

let executorsPromise: Promise<Executor[]> | undefined;

export function loadExecutors(): Promise<Executor[]> {
  executorsPromise ??= api<{ executors: Executor[] }>('/api/executors').then((b) => b.executors).catch((err) => {
    executorsPromise = undefined;
    throw err;
  });
  return executorsPromise;
}

export interface CardOutage {
  id: number;
  utility: string;
  utility_name: string;
  kind: 'planned' | 'emergency';
  status: 'scheduled' | 'active';
  starts_at: string;
  ends_at: string | null;
  public_text: string;
  executor: { id: number; name: string; phone: string | null };
  telephonogram: { id: number; text: string; attached_at: string };
}

export interface CardTicket {
  id: number;
  status: TicketStatus;
  category: string;
  category_name: string;
  created_at: string;
  due_at: string;
  executor_id: number;
  executor_name: string;
  outage_id: number | null;
  at_address: boolean;
  distance_m: number;
  description: string;
}

export interface CardObject {
  id: number;
  kind: string;
  kind_name: string;
  label: string | null;
  ownership_status: 'owned' | 'disputed' | 'ownerless' | 'under_investigation';
  owner: { id: number; name: string; phone: string | null } | null;
  balance_holder: { id: number; name: string; phone: string | null } | null;
  distance_m: number;
}

export interface AddressCard {
  address: {
    id: number;
    label: string;
    street: { id: number; name: string };
    house_number: string;
    district: string | null;
    levels: number | null;
    lon: number;
    lat: number;
  };
  radius_m: number;
  outages: CardOutage[];
  manual_telephonograms: Array<{ id: number; text: string; attached_at: string; valid_until: string | null }>;
  open_tickets: CardTicket[];
  open_ticket_count: number;
  closed_tickets: Array<{ id: number; status: TicketStatus; category: string; category_name: string; created_at: string; closed_at: string | null; completion_note: string | null; rating: number | null }>;
  objects: CardObject[];
}

export function loadAddressCard(id: number, opts: { radiusM?: number; signal?: AbortSignal } = {}): Promise<AddressCard> {
  return api<AddressCard>(`/api/addresses/${id}/card`, { query: { radius_m: opts.radiusM }, ...(opts.signal ? { signal: opts.signal } : {}) });
}

/** The address nearest a point (within the server's reach), for a click on the operator's map. */
export async function nearestAddress(lon: number, lat: number): Promise<{ id: number; label: string } | null> {
  const body = await api<{ addresses: Array<{ id: number; label: string }> }>('/api/addresses', { query: { lon: lon.toFixed(6), lat: lat.toFixed(6) } });
  return body.addresses[0] ?? null;
}

export interface ExplainingOutage {
  id: number;
  utility: string;
  utility_name: string;
  kind: 'planned' | 'emergency';
  status: string;
  starts_at: string;
  ends_at: string | null;
  public_text: string;
}

export async function explainingOutage(category: string, lon: number, lat: number, signal?: AbortSignal): Promise<ExplainingOutage | null> {
  const body = await api<{ outage: ExplainingOutage | null }>('/api/outages/explaining', {
    query: { category, lon: lon.toFixed(6), lat: lat.toFixed(6) }, ...(signal ? { signal } : {}),
  });
  return body.outage;
}

export interface OperatorTicketInput {
  category: string;
  attributes?: Record<string, string | number | string[]>;
  address_id: number;
  description: string;
  first_name?: string;
  last_name?: string;
  phone?: string;
  premises_access?: string;
  caller_informed?: boolean;
  duplicate_of?: number;
}

export interface RegisteredTicket {
  id: number;
  token: string;
  status: TicketStatus;
  executor: { name: string; phone: string | null };
  needs_routing: boolean;
  deadline_class: string;
  due_at: string;
  accept_due_at: string;
  outage: { id: number; public_text: string; ends_at: string | null } | null;
  duplicate_of: number | null;
  service_notice: string;
}

/** One key per ticket being filed: a send retried after a lost answer gets the same ticket back, not a second one. */
export function registerTicket(input: OperatorTicketInput, idempotencyKey: string): Promise<RegisteredTicket> {
  return api<RegisteredTicket>('/api/tickets', { method: 'POST', body: input, headers: { 'idempotency-key': idempotencyKey } });
}

/** A zone as POST /api/outages and /api/outages/preview take it. */
export type ZoneBody =
  | { polygon: { type: 'Polygon'; coordinates: number[][][] } }
  | { line: { object_id: number }; buffer_m: number }
  | { street_id: number; house_from?: number; house_to?: number; parity?: 'odd' | 'even' };

export interface ZonePreview {
  address_count: number;
  area_m2: number;
  zone: Geometry | null;
  warnings: string[];
}

export function previewZone(zone: ZoneBody, signal?: AbortSignal): Promise<ZonePreview> {
  return api<ZonePreview>('/api/outages/preview', { method: 'POST', body: { zone }, ...(signal ? { signal } : {}) });
}

export interface OutageInput {
  utility: string;
  kind: 'planned' | 'emergency';
  executor_id: number | null;
  starts_at: string;
  ends_at: string | null;
  public_text: string;
  zone: ZoneBody;
}

export interface SavedOutage {
  outage: { id: number; status: string; address_count: number; public_text: string };
  telephonograms: { attached: number; withdrawn: number };
  warnings: string[];
}

export function saveOutage(input: OutageInput): Promise<SavedOutage> {
  return api<SavedOutage>('/api/outages', { method: 'POST', body: input });
}

export const UTILITIES = ['water', 'hot_water', 'heating', 'power', 'gas', 'sewer', 'telecom'] as const;
export type Utility = typeof UTILITIES[number];

/** A category's name in the interface language; the server's (Ukrainian) name until the categories have loaded. */
export function categoryName(categories: Category[], code: string, fallback: string): string {
  const c = categories.find((x) => x.code === code);
  return c ? localName(c) : fallback;
}
