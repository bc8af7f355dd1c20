// Routing: which executor gets a ticket — the object's responsible party, else the service area, else the default.
import { maybeOne, type Queryable } from '../db/db.js';
import { responsibleForObject } from '../ownership/responsible.js';
import type { RoutingDecision } from './types.js';

interface ExecutorRow {
  executor_id: number;
  executor_code: string;
  executor_name: string;
  executor_phone: string | null;
}

export class RoutingConfigError extends Error {}

/** No service area covers the point and the default executor is missing: a configuration fault, not the caller's. */
export function noExecutorError(defaultExecutor: string): RoutingConfigError {
  return new RoutingConfigError(`No service area covers the point and the default executor "${defaultExecutor}" is not an organisation: ` +
    'create it or set MISTO_DEFAULT_EXECUTOR to an existing organisation code.');
}

/**
 * A ticket about a specific object goes to whoever answers for that object (the ownership
 * register decides, server/ownership/responsible.ts); any other ticket goes to the
 * service area of its category that covers the point; no area → config.defaultExecutor, flagged.
 */
export async function routeTicket(
  q: Queryable,
  where: { categoryCode: string; lon: number; lat: number; objectId?: number | null },
  defaultExecutor: string,
): Promise<RoutingDecision> {
  if (where.objectId != null) {
    const responsible = await responsibleForObject(q, where.objectId);
    if (responsible?.organisation_id != null) {
      const org = await maybeOne<ExecutorRow>(q, 'tickets/executor-by-id', { id: responsible.organisation_id });
      if (org) {
        return {
          executorId: org.executor_id, executorCode: org.executor_code, executorName: org.executor_name, executorPhone: org.executor_phone,
          routedBy: 'object', needsRouting: false, serviceAreaId: null, reason: responsible.reason,
        };
      }
    }
  }
  const row = await maybeOne<ExecutorRow & { routed_by: 'service_area' | 'default'; needs_routing: boolean; service_area_id: number | null }>(
    q, 'tickets/route', { category: where.categoryCode, lon: where.lon, lat: where.lat, defaultExecutor });
  if (!row) throw noExecutorError(defaultExecutor);
  return {
    executorId: row.executor_id, executorCode: row.executor_code, executorName: row.executor_name, executorPhone: row.executor_phone,
    routedBy: row.routed_by, needsRouting: row.needs_routing, serviceAreaId: row.service_area_id, reason: null,
  };
}
