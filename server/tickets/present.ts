// The one public presenter of a ticket: it decides which fields leave the server (Open311, the citizen's card, the live stream).
import type { Queryable } from '../db/db.js';
import { isoWithOffset, localDateTime } from './zone-time.js';

/** A row of sql/tickets/public-by-ids.sql: nothing private is selected there to begin with. */
export interface PublicTicketRow {
  id: number;
  status: string;
  open311_status: 'open' | 'closed';
  status_name_uk: string;
  status_notes: string | null;
  category_code: string;
  category_name_uk: string;
  group_code: string;
  description: string;
  executor_name: string;
  needs_routing: boolean;
  created_at: Date;
  updated_at: Date;
  due_at: Date;
  address_label: string | null;
  address_id: number | null;
  lon: number;
  lat: number;
  media_url: string | null;
  duplicate_of: number | null;
  outage_public_text: string | null;
  outage_ends_at: Date | null;
}

/** A GeoReport v2 service request, exactly the spec's fields. */
export interface Open311Request {
  service_request_id: string;
  status: 'open' | 'closed';
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
  address_id: string | null;
  zipcode: string | null;
  lat: number;
  long: number;
  media_url: string | null;
}

/** What the map and the citizen's card get: the Open311 fields plus the detailed status and the category group. */
export interface PublicTicket extends Open311Request {
  status_code: string;
  status_name: string;
  group: string;
  duplicate_of: string | null;
}

export async function loadPublicTickets(q: Queryable, ids: number[]): Promise<PublicTicketRow[]> {
  if (ids.length === 0) return [];
  return q.query<PublicTicketRow>('tickets/public-by-ids', { ids: JSON.stringify(ids) });
}


export interface NoticeFacts {
  executorName: string;
  dueAt: Date;
  needsRouting: boolean;
  duplicateOf: number | null;
  outage: { publicText: string; endsAt: Date | null } | undefined;
}

/** Open311 service_notice: who will handle it and by when, and the known outage that explains it. */
export function serviceNotice(f: NoticeFacts, timeZone: string): string {
  const parts: string[] = [];
  if (f.duplicateOf !== null) {
    parts.push(`Заявку об'єднано із заявкою №${f.duplicateOf}: її виконання показано тут.`);
  }
  if (f.needsRouting) {
    parts.push(`Заявку прийняв ${f.executorName}; виконавця визначить диспетчер. Термін виконання — до ${localDateTime(f.dueAt, timeZone)}.`);
  } else {
    parts.push(`Виконавець: ${f.executorName}. Термін виконання — до ${localDateTime(f.dueAt, timeZone)}.`);
  }
  if (f.outage) {
    const text = f.outage.publicText.trim().replace(/[.;,\s]+$/, '');
    parts.push(`Відома аварія/планові роботи: ${text}, ${f.outage.endsAt ? `орієнтовно до ${localDateTime(f.outage.endsAt, timeZone)}` : 'час відновлення уточнюється'}.`);
  }
  return parts.join(' ');
}

export function presentOpen311Request(row: PublicTicketRow, timeZone: string): Open311Request {
  return {
    service_request_id: String(row.id),
    status: row.open311_status,
    status_notes: row.status_notes ?? (row.duplicate_of !== null ? `Об'єднано із заявкою №${row.duplicate_of}.` : null),
    service_name: row.category_name_uk,
    service_code: row.category_code,
    description: row.description === '' ? null : row.description,
    agency_responsible: row.executor_name,
    service_notice: serviceNotice({
      executorName: row.executor_name,
      dueAt: row.due_at,
      needsRouting: row.needs_routing,
      duplicateOf: row.duplicate_of,
      outage: row.outage_public_text !== null ? { publicText: row.outage_public_text, endsAt: row.outage_ends_at } : undefined,
    }, timeZone),
    requested_datetime: isoWithOffset(row.created_at, timeZone),
    updated_datetime: isoWithOffset(row.updated_at, timeZone),
    expected_datetime: isoWithOffset(row.due_at, timeZone),
    address: row.address_label,
    address_id: row.address_id === null ? null : String(row.address_id),
    zipcode: null,
    lat: row.lat,
    long: row.lon,
    media_url: row.media_url,
  };
}

/**
 * What a map needs to hear that a ticket changed (the live stream's brief form): which ticket,
 * where, in which state. Whoever wants the rest asks for the ticket by its id.
 */
export type BriefTicket = Pick<PublicTicket, 'service_request_id' | 'status' | 'status_code' | 'service_code' | 'group' | 'lat' | 'long' | 'updated_datetime'>;

export function briefTicket(t: PublicTicket): BriefTicket {
  return {
    service_request_id: t.service_request_id, status: t.status, status_code: t.status_code, service_code: t.service_code,
    group: t.group, lat: t.lat, long: t.long, updated_datetime: t.updated_datetime,
  };
}

export function presentPublicTicket(row: PublicTicketRow, timeZone: string): PublicTicket {
  return {
    ...presentOpen311Request(row, timeZone),
    status_code: row.status,
    status_name: row.status_name_uk,
    group: row.group_code,
    duplicate_of: row.duplicate_of === null ? null : String(row.duplicate_of),
  };
}
