// createTicket(): registers a validated ticket — routing, deadlines, contact row, events, outage link, duplicates.
import { one, type Queryable } from '../db/db.js';
import { setActor } from '../db/actor.js';
import type { Config } from '../config.js';
import { linkToExplainingOutage } from '../outages/link.js';
import { addTicketEvent } from './events.js';
import { routeTicket } from './routing.js';
import { serviceNotice } from './present.js';
import type { Actor, CreatedTicket, DuplicateCandidate, TicketInput } from './types.js';

export interface IntakeContext {
  now: Date;
  actor: Actor;
  config: Config;
}

interface InsertedRow {
  id: number;
  token: string;
  status: string;
  category_code: string;
  deadline_class: string;
  created_at: Date;
  accept_due_at: Date;
  due_at: Date;
}

/** The actor as the audit trail names it (misto.actor). */
export function auditActor(actor: Actor): string {
  return actor.userId !== undefined ? `user:${actor.userId}` : actor.kind;
}

/**
 * Runs inside the caller's transaction, after validation (server/tickets/validate.ts): nothing
 * here checks input again. Writes the ticket, its contact row and its 'created' event, links the
 * outage that explains it, and answers with who handles it, by when, and what it may repeat.
 */
export async function createTicket(tx: Queryable, input: TicketInput, ctx: IntakeContext): Promise<CreatedTicket> {
  const { now, actor, config } = ctx;
  await setActor(tx, auditActor(actor));
  const route = await routeTicket(tx, input, config.defaultExecutor);
  const duplicateCandidates = input.duplicateOf != null ? [] : await findDuplicateCandidates(tx, input, now, config);
  const contact = input.contact ?? {};
  const row = await one<InsertedRow>(tx, 'tickets/insert', {
    now,
    category: input.categoryCode,
    status: input.duplicateOf != null ? 'duplicate' : 'new',
    deadlineClass: input.deadlineClass ?? null,
    lon: input.lon,
    lat: input.lat,
    addressId: input.addressId ?? null,
    addressText: input.addressText ?? null,
    description: input.description ?? '',
    attributes: JSON.stringify(input.attributes ?? {}),
    mediaUrl: input.mediaUrl ?? null,
    source: input.source,
    apiKeyId: input.apiKeyId ?? null,
    createdBy: actor.userId ?? null,
    executorId: route.executorId,
    routedBy: route.routedBy,
    needsRouting: route.needsRouting,
    objectId: input.objectId ?? null,
    duplicateOf: input.duplicateOf ?? null,
    cause: input.cause ?? null,
    premisesAccess: input.premisesAccess ?? null,
    callerInformed: input.callerInformed ?? null,
    firstName: contact.firstName ?? null,
    lastName: contact.lastName ?? null,
    email: contact.email ?? null,
    phone: contact.phone ?? null,
    deviceId: contact.deviceId ?? null,
    actorUserId: actor.userId ?? null,
    actorKind: actor.kind,
    eventData: JSON.stringify({
      source: input.source,
      executor_id: route.executorId,
      routed_by: route.routedBy,
      needs_routing: route.needsRouting,
      service_area_id: route.serviceAreaId,
      ...(route.reason ? { routing_reason: route.reason } : {}),
      ...(duplicateCandidates.length > 0 ? { duplicate_candidates: duplicateCandidates.map((c) => c.id) } : {}),
    }),
  });

  let original: { executorName: string; dueAt: Date; needsRouting: boolean } | undefined;
  if (input.duplicateOf != null) {
    await addTicketEvent(tx, { ticketId: row.id, kind: 'duplicate_linked', actor, at: now, data: { original_id: input.duplicateOf } });
    await addTicketEvent(tx, { ticketId: input.duplicateOf, kind: 'duplicate_linked', actor, at: now, public: false, data: { duplicate_id: row.id } });
    const o = await one<{ executor_name: string; due_at: Date; needs_routing: boolean }>(tx, 'tickets/original-for-notice', { id: input.duplicateOf });
    original = { executorName: o.executor_name, dueAt: o.due_at, needsRouting: o.needs_routing };
  }

  const outage = await linkToExplainingOutage(tx, row.id, now);
  return {
    id: row.id,
    token: row.token,
    status: row.status,
    categoryCode: row.category_code,
    executor: { id: route.executorId, code: route.executorCode, name: route.executorName, phone: route.executorPhone },
    routedBy: route.routedBy,
    needsRouting: route.needsRouting,
    deadlineClass: row.deadline_class,
    createdAt: row.created_at,
    acceptDueAt: row.accept_due_at,
    dueAt: row.due_at,
    outage,
    duplicateOf: input.duplicateOf ?? null,
    serviceNotice: serviceNotice({
      executorName: original?.executorName ?? route.executorName,
      dueAt: original?.dueAt ?? row.due_at,
      needsRouting: original?.needsRouting ?? route.needsRouting,
      duplicateOf: input.duplicateOf ?? null,
      outage,
    }, config.tickets.timeZone),
    duplicateCandidates,
  };
}

/** Open tickets of the same category near the point and recent: what the reporter is asked about. */
export async function findDuplicateCandidates(
  q: Queryable,
  where: { categoryCode: string; lon: number; lat: number },
  now: Date,
  config: Config,
): Promise<DuplicateCandidate[]> {
  const rows = await q.query<{ id: number; status: string; distance_m: number; created_at: Date; description: string }>(
    'tickets/duplicate-candidates', {
      category: where.categoryCode, lon: where.lon, lat: where.lat, now,
      radiusM: config.tickets.duplicateRadiusM, windowHours: config.tickets.duplicateWindowHours,
    });
  return rows.map((r) => ({ id: r.id, status: r.status, distanceM: r.distance_m, createdAt: r.created_at, description: r.description }));
}
