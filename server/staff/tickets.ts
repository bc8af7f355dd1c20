// The staff side of the workflow: list and read tickets, move them between statuses, decline, re-route.
import { maybeOne, one, type Db, type Queryable } from '../db/db.js';
import { setActor } from '../db/actor.js';
import { conflict, forbidden, notFound, badRequest } from '../http/problem.js';
import type { IdempotencyState } from '../http/idempotency.js';
import { addTicketEvent } from '../tickets/events.js';
import { createTicket } from '../tickets/intake.js';
import { validateTicketRequest } from '../tickets/validate.js';
import type { Config } from '../config.js';
import type { Role, User } from '../auth/middleware.js';
import type { Status, TicketListQuery, TransitionInput } from './schema.js';
import {
  presentCreated, presentTicketDetail, presentTicketRow,
  type ContactRow, type EventRow, type TicketDetailRow, type TicketListRow,
} from './present.js';

/** An executor may decline only what it has not taken on yet. */
export const DECLINABLE_STATUSES: readonly Status[] = ['new', 'reopened'];
/** A ticket can be handed to another executor until someone has accepted it. */
export const ROUTABLE_STATUSES: readonly Status[] = ['new', 'needs_info', 'reopened'];

export const DECLINE_ROLES: readonly Role[] = ['executor'];
export const ROUTE_ROLES: readonly Role[] = ['operator', 'supervisor'];

/** The executor organisation a user is limited to, or null for the city's own staff. */
export function executorScope(user: User): number | null {
  return user.role === 'executor' ? user.organisationId : null;
}

const mayAct = (user: User, roles: readonly Role[]) => user.role === 'admin' || roles.includes(user.role);

// Tickets an executor may not see are "not found", so ids cannot be probed.
const ticketNotFound = (id: number) => notFound(`There is no ticket ${id} you can see.`);

export async function listTickets(db: Db, user: User, q: TicketListQuery, now: Date) {
  const rows = await db.query<TicketListRow>('staff/tickets-list', {
    now,
    scopeExecutorId: executorScope(user),
    executorId: q.executorId,
    categoryCode: q.categoryCode,
    statuses: q.statuses ? JSON.stringify(q.statuses) : null,
    overdue: q.overdue,
    needsRouting: q.needsRouting,
    west: q.bbox?.[0] ?? null,
    south: q.bbox?.[1] ?? null,
    east: q.bbox?.[2] ?? null,
    north: q.bbox?.[3] ?? null,
    ticketId: q.ticketId,
    sort: q.sort,
    limit: q.limit,
    offset: q.offset,
  });
  const more = rows.length > q.limit;
  return {
    tickets: rows.slice(0, q.limit).map(presentTicketRow),
    next_offset: more ? q.offset + q.limit : null,
  };
}

/** The organisations that take tickets: the queue's filter, and whom a ticket or an outage can be given to. */
export async function listExecutors(q: Queryable) {
  return q.query<{ id: number; code: string; name: string; phone: string | null }>('staff/executors');
}

async function allowedMoves(q: Queryable, user: User, status: string): Promise<string[]> {
  const rows = await q.query<{ from_status: string; to_status: string }>('staff/transitions-for-actor', { actor: user.role });
  return rows.filter((r) => r.from_status === status).map((r) => r.to_status);
}

export async function ticketDetail(db: Db, user: User, id: number, now: Date) {
  const row = await maybeOne<TicketDetailRow>(db, 'staff/ticket-detail', { id, now, scopeExecutorId: executorScope(user) });
  if (!row) throw ticketNotFound(id);
  const [events, contact, transitions] = await Promise.all([
    db.query<EventRow>('staff/ticket-events', { ticketId: id }),
    maybeOne<ContactRow>(db, 'staff/ticket-contact', { ticketId: id }),
    allowedMoves(db, user, row.status),
  ]);
  return presentTicketDetail(user, row, events, contact, {
    transitions,
    canDecline: mayAct(user, DECLINE_ROLES) && DECLINABLE_STATUSES.includes(row.status as Status),
    canRoute: mayAct(user, ROUTE_ROLES) && ROUTABLE_STATUSES.includes(row.status as Status),
  });
}

interface LockedTicket {
  id: number;
  status: Status;
  executor_id: number;
  version: number;
  deadline_class: string;
  needs_routing: boolean;
  accept_minutes: number;
}

async function lockTicket(tx: Queryable, user: User, id: number, version: number): Promise<LockedTicket> {
  const t = await maybeOne<LockedTicket>(tx, 'staff/ticket-lock', { id, scopeExecutorId: executorScope(user) });
  if (!t) throw ticketNotFound(id);
  if (t.version !== version) {
    throw conflict(`Ticket ${id} changed since you read it (it is at version ${t.version}, you sent ${version}); reload it and try again.`);
  }
  return t;
}

const actorOf = (user: User) => ({ kind: user.role, userId: user.id });

/**
 * Moves a ticket along the workflow. The ticket_transitions table decides: a role that can never
 * reach `to` gets 403; a role that can, but not from the ticket's status now, gets 409.
 */
export async function transitionTicket(db: Db, user: User, id: number, input: TransitionInput, now: Date) {
  return db.transaction(async (tx) => {
    await setActor(tx, `user:${user.id}`);
    const t = await lockTicket(tx, user, id, input.version);
    const rule = await one<{ allowed: boolean; reachable: boolean }>(tx, 'staff/transition-rule', { from: t.status, to: input.to, actor: user.role });
    if (!rule.reachable) throw forbidden(`A ${user.role} cannot move a ticket to ${input.to}.`);
    if (!rule.allowed) throw conflict(`A ${user.role} cannot move ticket ${id} from ${t.status} to ${input.to}.`);
    if (input.to === 'duplicate') {
      if (input.duplicateOf === id) throw badRequest('A ticket cannot repeat itself.', [{ field: 'duplicate_of', message: 'another ticket' }]);
      const original = await maybeOne(tx, 'staff/ticket-exists', { id: input.duplicateOf });
      if (!original) throw badRequest('The original ticket does not exist.', [{ field: 'duplicate_of', message: 'an existing ticket' }]);
    }
    const c = input.completion;
    const updated = await maybeOne<{ id: number; status: string; version: number }>(tx, 'staff/ticket-set-status', {
      id, to: input.to, now, version: input.version, acceptMinutes: t.accept_minutes,
      duplicateOf: input.duplicateOf,
      completionNote: c?.note ?? null,
      completionMediaUrl: c?.mediaUrl ?? null,
      completionLon: c?.lon ?? null,
      completionLat: c?.lat ?? null,
    });
    if (!updated) throw conflict(`Ticket ${id} changed while it was being moved; reload it.`);
    const data: Record<string, unknown> = {};
    if (input.reason) data.reason = input.reason;
    if (input.duplicateOf) data.duplicate_of = input.duplicateOf;
    if (c) data.completion = { note: c.note, media_url: c.mediaUrl, lon: c.lon, lat: c.lat };
    await addTicketEvent(tx, {
      ticketId: id, kind: 'status', actor: actorOf(user), at: now,
      fromStatus: t.status, toStatus: input.to,
      note: input.note ?? input.reason ?? c?.note ?? null,
      public: true,
      data,
    });
    return { id, status: updated.status, version: updated.version };
  });
}

/**
 * An executor's "not ours": the ticket goes back to the contact centre (the default executor)
 * flagged for re-routing, with the reason in an internal event; its status does not change.
 */
export async function declineTicket(db: Db, user: User, id: number, input: { reason: string; version: number }, now: Date, defaultExecutor: string) {
  return db.transaction(async (tx) => {
    await setActor(tx, `user:${user.id}`);
    const t = await lockTicket(tx, user, id, input.version);
    if (!DECLINABLE_STATUSES.includes(t.status)) {
      throw conflict(`Ticket ${id} is ${t.status}: only a ${DECLINABLE_STATUSES.join(' or ')} ticket can be declined; ask the contact centre to re-route it.`);
    }
    const centre = await maybeOne<{ id: number }>(tx, 'staff/organisation-by-code', { code: defaultExecutor });
    if (!centre) throw new Error(`the default executor "${defaultExecutor}" (MISTO_DEFAULT_EXECUTOR) is not an organisation`);
    if (centre.id === t.executor_id) throw conflict(`Ticket ${id} is already with the contact centre.`);
    const updated = await one<{ version: number }>(tx, 'staff/ticket-set-executor', {
      id, version: input.version, now, executorId: centre.id, routedBy: 'default', needsRouting: true,
      restartAcceptance: false, acceptMinutes: t.accept_minutes,
    });
    await addTicketEvent(tx, {
      ticketId: id, kind: 'routed', actor: actorOf(user), at: now, note: input.reason, public: false,
      data: { action: 'declined', from_executor_id: t.executor_id, to_executor_id: centre.id },
    });
    return { id, status: t.status, version: updated.version, executor_id: centre.id, needs_routing: true };
  });
}

/** The contact centre hands a ticket to an executor by hand; the new executor's acceptance clock starts now. */
export async function routeTicketTo(db: Db, user: User, id: number, input: { executorId: number; note: string | null; version: number }, now: Date) {
  return db.transaction(async (tx) => {
    await setActor(tx, `user:${user.id}`);
    const t = await lockTicket(tx, user, id, input.version);
    if (!ROUTABLE_STATUSES.includes(t.status)) {
      throw conflict(`Ticket ${id} is ${t.status}: only a ${ROUTABLE_STATUSES.join(', ')} ticket can be re-routed.`);
    }
    const target = await maybeOne<{ id: number }>(tx, 'staff/executor-by-id', { id: input.executorId });
    if (!target) throw badRequest('No such executor.', [{ field: 'executor_id', message: 'an organisation that takes tickets' }]);
    const updated = await one<{ version: number }>(tx, 'staff/ticket-set-executor', {
      id, version: input.version, now, executorId: target.id, routedBy: 'manual', needsRouting: false,
      restartAcceptance: true, acceptMinutes: t.accept_minutes,
    });
    await addTicketEvent(tx, {
      ticketId: id, kind: 'routed', actor: actorOf(user), at: now, note: input.note, public: false,
      data: { action: 'routed', from_executor_id: t.executor_id, to_executor_id: target.id },
    });
    return { id, status: t.status, version: updated.version, executor_id: target.id, needs_routing: false };
  });
}

/**
 * Operator intake: the caller's ticket through the same validation and createTicket as every other
 * source. With an Idempotency-Key the answer is stored in the same transaction as the ticket.
 */
export async function registerTicket(db: Db, user: User, body: unknown, now: Date, config: Config, idempotency?: IdempotencyState) {
  const input = await validateTicketRequest(db, body, { dialect: 'api', source: 'operator', operatorFields: true });
  return db.transaction(async (tx) => {
    const created = presentCreated(await createTicket(tx, input, { now, actor: actorOf(user), config }));
    await idempotency?.save(tx, { status: 201, type: 'application/json; charset=utf-8', body: created }, now);
    return created;
  });
}
