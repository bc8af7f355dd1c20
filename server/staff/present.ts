// What leaves the server for staff: ticket rows, the detail with events, and the caller's contact by role.
import type { User } from '../auth/middleware.js';
import type { CreatedTicket } from '../tickets/types.js';

export interface TicketListRow {
  id: number;
  status: string;
  category_code: string;
  category_name: string;
  description: string;
  address_id: number | null;
  address_text: string | null;
  lon: number;
  lat: number;
  executor_id: number;
  executor_name: string;
  needs_routing: boolean;
  routed_by: string;
  deadline_class: string;
  source: string;
  created_at: Date;
  updated_at: Date;
  accept_due_at: Date;
  due_at: Date;
  accepted_at: Date | null;
  done_at: Date | null;
  closed_at: Date | null;
  escalation_level: number;
  outage_id: number | null;
  duplicate_of: number | null;
  version: number;
  due_in_seconds: number | null;
  accept_due_in_seconds: number | null;
  overdue: boolean;
  accept_overdue: boolean;
}

export interface TicketDetailRow extends TicketListRow {
  is_open: boolean;
  attributes: Record<string, unknown>;
  media_url: string | null;
  executor_phone: string | null;
  object_id: number | null;
  rating: number | null;
  cause: string | null;
  premises_access: string | null;
  caller_informed: boolean | null;
  completion_note: string | null;
  completion_media_url: string | null;
  completion_lon: number | null;
  completion_lat: number | null;
}

export interface EventRow {
  id: number;
  at: Date;
  kind: string;
  actor_kind: string;
  actor_user_id: number | null;
  actor_name: string | null;
  from_status: string | null;
  to_status: string | null;
  note: string | null;
  public: boolean;
  data: Record<string, unknown>;
}

export interface ContactRow {
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  email: string | null;
  anonymised_at: Date | null;
}

export function presentTicketRow(r: TicketListRow) {
  return {
    id: r.id,
    status: r.status,
    category: { code: r.category_code, name: r.category_name },
    description: r.description,
    address: { id: r.address_id, text: r.address_text },
    location: { lon: r.lon, lat: r.lat },
    executor: { id: r.executor_id, name: r.executor_name },
    needs_routing: r.needs_routing,
    routed_by: r.routed_by,
    deadline_class: r.deadline_class,
    source: r.source,
    created_at: r.created_at,
    updated_at: r.updated_at,
    accept_due_at: r.accept_due_at,
    due_at: r.due_at,
    accepted_at: r.accepted_at,
    done_at: r.done_at,
    closed_at: r.closed_at,
    due_in_seconds: r.due_in_seconds,
    accept_due_in_seconds: r.accept_due_in_seconds,
    overdue: r.overdue,
    accept_overdue: r.accept_overdue,
    escalation_level: r.escalation_level,
    outage_id: r.outage_id,
    duplicate_of: r.duplicate_of,
    version: r.version,
  };
}

/**
 * Who sees the caller: the contact centre (operator, supervisor, admin) sees everything it took
 * down. An executor sees only the phone, and only while its ticket is open: a crew has to ring
 * to get into a flat or a basement, but needs neither name nor e-mail for that. Inspectors and
 * deputies see none.
 */
export function presentContact(user: User, ticket: { is_open: boolean }, c: ContactRow | undefined) {
  if (!c) return undefined;
  if (user.role === 'operator' || user.role === 'supervisor' || user.role === 'admin') {
    return { first_name: c.first_name, last_name: c.last_name, phone: c.phone, email: c.email, anonymised_at: c.anonymised_at };
  }
  if (user.role === 'executor' && ticket.is_open) return { phone: c.phone };
  return undefined;
}

export function presentEvent(e: EventRow) {
  return {
    id: e.id,
    at: e.at,
    kind: e.kind,
    actor: { kind: e.actor_kind, user_id: e.actor_user_id, name: e.actor_name },
    from_status: e.from_status,
    to_status: e.to_status,
    note: e.note,
    public: e.public,
    data: e.data,
  };
}

export function presentTicketDetail(
  user: User,
  r: TicketDetailRow,
  events: EventRow[],
  contact: ContactRow | undefined,
  actions: { transitions: string[]; canDecline: boolean; canRoute: boolean },
) {
  const visibleContact = presentContact(user, r, contact);
  return {
    ...presentTicketRow(r),
    executor: { id: r.executor_id, name: r.executor_name, phone: r.executor_phone },
    attributes: r.attributes,
    media_url: r.media_url,
    object_id: r.object_id,
    rating: r.rating,
    intake: { cause: r.cause, premises_access: r.premises_access, caller_informed: r.caller_informed },
    completion: r.done_at || r.completion_note
      ? { note: r.completion_note, media_url: r.completion_media_url, lon: r.completion_lon, lat: r.completion_lat }
      : null,
    ...(visibleContact ? { contact: visibleContact } : {}),
    events: events.map(presentEvent),
    actions: { transitions: actions.transitions, decline: actions.canDecline, route: actions.canRoute },
  };
}

/** The operator's answer after intake: the number and token to give the caller, who handles it and by when. */
export function presentCreated(t: CreatedTicket) {
  return {
    id: t.id,
    token: t.token,
    status: t.status,
    category_code: t.categoryCode,
    executor: t.executor,
    routed_by: t.routedBy,
    needs_routing: t.needsRouting,
    deadline_class: t.deadlineClass,
    created_at: t.createdAt,
    accept_due_at: t.acceptDueAt,
    due_at: t.dueAt,
    outage: t.outage ? { id: t.outage.outageId, public_text: t.outage.publicText, ends_at: t.outage.endsAt } : null,
    duplicate_of: t.duplicateOf,
    service_notice: t.serviceNotice,
    duplicate_candidates: t.duplicateCandidates.map((c) => ({
      id: c.id, status: c.status, distance_m: c.distanceM, created_at: c.createdAt, description: c.description,
    })),
  };
}
