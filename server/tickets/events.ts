// addTicketEvent(): the one way a change of a ticket is written to its history (intake, staff routes, citizens).
import { one, type Queryable } from '../db/db.js';
import type { Actor, TicketEventKind } from './types.js';

export interface TicketEventInput {
  ticketId: number;
  kind: TicketEventKind;
  actor: Actor;
  /** The clock's time, not the database's: tests move it. */
  at: Date;
  fromStatus?: string | null;
  toStatus?: string | null;
  /** Shown to the citizen when the event is public (the last public note is Open311 status_notes). */
  note?: string | null;
  /** Internal events (escalations, routing) are shown to staff only. */
  public?: boolean;
  data?: Record<string, unknown>;
}

export async function addTicketEvent(tx: Queryable, e: TicketEventInput): Promise<{ id: number }> {
  return one<{ id: number }>(tx, 'tickets/event-insert', {
    ticketId: e.ticketId,
    at: e.at,
    kind: e.kind,
    actorUserId: e.actor.userId ?? null,
    actorKind: e.actor.kind,
    fromStatus: e.fromStatus ?? null,
    toStatus: e.toStatus ?? null,
    note: e.note ?? null,
    public: e.public ?? true,
    data: JSON.stringify(e.data ?? {}),
  });
}
