// createTicket(): registers a validated ticket — routing, deadlines, contact row, events, outage link, duplicates.
import { maybeOne, type Queryable } from '../db/db.js';
import type { Config } from '../config.js';
import { responsibleForObject } from '../ownership/responsible.js';
import { noExecutorError } from './routing.js';
import { serviceNotice } from './present.js';
import type { Actor, CreatedTicket, DuplicateCandidate, RoutingDecision, TicketInput } from './types.js';

export interface IntakeContext {
  now: Date;
  actor: Actor;
  config: Config;
}

/** A row of sql/tickets/intake.sql. */
interface IntakeRow {
  id: number;
  token: string;
  status: string;
  category_code: string;
  deadline_class: string;
  created_at: Date;
  accept_due_at: Date;
  due_at: Date;
  executor_id: number;
  executor_code: string;
  executor_name: string;
  executor_phone: string | null;
  routed_by: RoutingDecision['routedBy'];
  needs_routing: boolean;
  service_area_id: number | null;
  outage_id: number | null;
  outage_public_text: string | null;
  outage_ends_at: Date | null;
  duplicate_candidates: { id: number; status: string; distance_m: number; created_at: string; description: string }[];
  original_executor_name: string | null;
  original_due_at: Date | null;
  original_needs_routing: boolean | null;
}

/** The actor as the audit trail names it (misto.actor). */
export function auditActor(actor: Actor): string {
  return actor.userId !== undefined ? `user:${actor.userId}` : actor.kind;
}

/**
 * Runs after validation (server/tickets/validate.ts): nothing here checks input again. Writes the
 * ticket, its contact row and its events, links the outage that explains it, and answers with who
 * handles it, by when, and what it may repeat — all in sql/tickets/intake.sql, one statement and
 * one round trip (a ticket about an object first reads its responsible party from the ownership
 * register). Runs inside the caller's transaction, whose COMMIT comes only once this has answered:
 * a request cut off before that (a shutdown past its grace) leaves no ticket.
 */
export async function createTicket(tx: Queryable, input: TicketInput, ctx: IntakeContext): Promise<CreatedTicket> {
  const { now, actor, config } = ctx;
  const responsible = input.objectId != null ? await responsibleForObject(tx, input.objectId) : undefined;
  const contact = input.contact ?? {};
  const row = await maybeOne<IntakeRow>(tx, 'tickets/intake', {
    ticket: JSON.stringify({
      now,
      audit_actor: auditActor(actor),
      actor_user_id: actor.userId ?? null,
      actor_kind: actor.kind,
      category: input.categoryCode,
      status: input.duplicateOf != null ? 'duplicate' : 'new',
      deadline_class: input.deadlineClass ?? null,
      lon: input.lon,
      lat: input.lat,
      address_id: input.addressId ?? null,
      address_text: input.addressText ?? null,
      description: input.description ?? '',
      attributes: input.attributes ?? {},
      media_url: input.mediaUrl ?? null,
      source: input.source,
      api_key_id: input.apiKeyId ?? null,
      created_by: actor.userId ?? null,
      object_id: input.objectId ?? null,
      duplicate_of: input.duplicateOf ?? null,
      cause: input.cause ?? null,
      premises_access: input.premisesAccess ?? null,
      caller_informed: input.callerInformed ?? null,
      first_name: contact.firstName ?? null,
      last_name: contact.lastName ?? null,
      email: contact.email ?? null,
      phone: contact.phone ?? null,
      device_id: contact.deviceId ?? null,
      object_executor_id: responsible?.organisation_id ?? null,
      object_reason: responsible?.organisation_id != null ? responsible.reason : null,
      default_executor: config.defaultExecutor,
      duplicate_radius_m: config.tickets.duplicateRadiusM,
      duplicate_window_hours: config.tickets.duplicateWindowHours,
    }),
  });
  if (!row) throw noExecutorError(config.defaultExecutor);

  const outage = row.outage_id != null
    ? { outageId: row.outage_id, publicText: row.outage_public_text as string, endsAt: row.outage_ends_at }
    : undefined;
  const original = input.duplicateOf != null && row.original_executor_name != null
    ? { executorName: row.original_executor_name, dueAt: row.original_due_at as Date, needsRouting: row.original_needs_routing as boolean }
    : undefined;
  return {
    id: row.id,
    token: row.token,
    status: row.status,
    categoryCode: row.category_code,
    executor: { id: row.executor_id, code: row.executor_code, name: row.executor_name, phone: row.executor_phone },
    routedBy: row.routed_by,
    needsRouting: row.needs_routing,
    deadlineClass: row.deadline_class,
    createdAt: row.created_at,
    acceptDueAt: row.accept_due_at,
    dueAt: row.due_at,
    outage,
    duplicateOf: input.duplicateOf ?? null,
    serviceNotice: serviceNotice({
      executorName: original?.executorName ?? row.executor_name,
      dueAt: original?.dueAt ?? row.due_at,
      needsRouting: original?.needsRouting ?? row.needs_routing,
      duplicateOf: input.duplicateOf ?? null,
      outage,
    }, config.tickets.timeZone),
    duplicateCandidates: row.duplicate_candidates.map((c) => ({
      id: c.id, status: c.status, distanceM: c.distance_m, createdAt: new Date(c.created_at), description: c.description,
    })),
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
