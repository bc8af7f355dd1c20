// A new ticket explained by a known outage: linked to it, so it waits for the outage instead of going to the executor as a new job.
//
// How "not sent as a new job" shows: the ticket keeps status 'new' with outage_id set. A ticket
// that is 'new' and has an outage_id is waiting on that outage (isWaitingOnOutage): the
// executor's queue and the acceptance-deadline escalation leave it out. When the outage is
// resolved, its waiting tickets move to 'done' together with an 'outage_resolved' event each;
// when it is cancelled or an operator unlinks a ticket, the ticket loses its outage_id and
// joins the executor's queue as an ordinary new ticket ('outage_unlinked' event).
import type { Queryable } from '../db/db.js';

export interface ExplainingOutage {
  outageId: number;
  publicText: string;
  endsAt: Date | null;
}

/** Links ticketId to the live outage that explains it, if any; run it in the ticket's intake transaction. */
export async function linkToExplainingOutage(tx: Queryable, ticketId: number, now: Date): Promise<ExplainingOutage | undefined> {
  const [row] = await tx.query<{ outage_id: number; public_text: string; ends_at: Date | null }>('outages/link_ticket', { ticketId, now });
  return row ? { outageId: row.outage_id, publicText: row.public_text, endsAt: row.ends_at } : undefined;
}

export interface ExplainingOutageRow {
  id: number;
  utility: string;
  utility_name: string;
  kind: 'planned' | 'emergency';
  status: 'scheduled' | 'active';
  starts_at: Date;
  ends_at: Date | null;
  public_text: string;
}

/** The outage a new ticket of this category at this point would be linked to, before it is filed (the intake form's notice). */
export async function explainingOutage(q: Queryable, category: string, lon: number, lat: number, now: Date): Promise<ExplainingOutageRow | undefined> {
  const [row] = await q.query<ExplainingOutageRow>('outages/explaining', { category, lon, lat, now });
  return row;
}

/** Whether a ticket is parked on an outage rather than waiting for its executor. */
export function isWaitingOnOutage(ticket: { status: string; outage_id: number | null }): boolean {
  return ticket.status === 'new' && ticket.outage_id !== null;
}
