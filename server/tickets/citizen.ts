// What a citizen does with the token of their ticket: rate the result, reopen it within the window, answer a question, read its card.
import { maybeOne, one, type Queryable } from '../db/db.js';
import { setActor } from '../db/actor.js';
import { conflict, notFound } from '../http/problem.js';
import { addTicketEvent } from './events.js';
import { loadPublicTickets, presentPublicTicket, type PublicTicket } from './present.js';
import { isoWithOffset } from './zone-time.js';
import type { TicketsConfig } from './config.js';

const CITIZEN = { kind: 'citizen' } as const;

interface LockedTicket {
  id: number;
  status: string;
  rating: number | null;
  done_at: Date | null;
  closed_at: Date | null;
  token_ticket_id: number;
  may_reopen: boolean;
  may_close: boolean;
  may_clarify: boolean;
}

async function lockByToken(tx: Queryable, token: string): Promise<LockedTicket> {
  const row = await maybeOne<LockedTicket>(tx, 'tickets/by-token-for-update', { token });
  if (!row) throw notFound('No ticket has this token.');
  return row;
}

/** Only a result can be rated: the ticket is done (the rating then closes it) or already closed. */
export async function rateTicket(tx: Queryable, token: string, rating: number, now: Date): Promise<{ id: number; status: string; rating: number }> {
  await setActor(tx, 'citizen');
  const t = await lockByToken(tx, token);
  if (t.status !== 'done' && t.status !== 'closed') {
    throw conflict(`Ticket ${t.id} is ${t.status}: it can be rated once the executor has done it.`);
  }
  const close = t.status === 'done' && t.may_close;
  const { status } = await one<{ status: string }>(tx, 'tickets/rate', { id: t.id, rating, close, now });
  await addTicketEvent(tx, { ticketId: t.id, kind: 'rated', actor: CITIZEN, at: now, data: { rating } });
  if (close) {
    await addTicketEvent(tx, { ticketId: t.id, kind: 'status', actor: CITIZEN, at: now, fromStatus: 'done', toStatus: 'closed', note: 'Заявник підтвердив виконання.' });
  }
  return { id: t.id, status, rating };
}

/** A done or closed ticket may be reopened by its reporter within config.reopenWindowDays of being done. */
export async function reopenTicket(tx: Queryable, token: string, reason: string, now: Date, settings: TicketsConfig): Promise<{ id: number; status: string; dueAt: Date }> {
  await setActor(tx, 'citizen');
  const t = await lockByToken(tx, token);
  if (!t.may_reopen) throw conflict(`Ticket ${t.id} is ${t.status}: only a done or closed ticket can be reopened.`);
  const finishedAt = t.done_at ?? t.closed_at;
  const windowEnd = finishedAt ? new Date(finishedAt.getTime() + settings.reopenWindowDays * 86_400_000) : undefined;
  if (!windowEnd || windowEnd < now) {
    throw conflict(`Ticket ${t.id} can no longer be reopened: the ${settings.reopenWindowDays}-day window ${windowEnd ? `ended at ${isoWithOffset(windowEnd, settings.timeZone)}` : 'is over'}. Register a new ticket instead.`);
  }
  const row = await one<{ status: string; due_at: Date }>(tx, 'tickets/reopen', { id: t.id, now });
  await addTicketEvent(tx, { ticketId: t.id, kind: 'status', actor: CITIZEN, at: now, fromStatus: t.status, toStatus: 'reopened', note: reason });
  return { id: t.id, status: row.status, dueAt: row.due_at };
}

/**
 * The reporter answers the executor's question (status needs_info): the ticket goes back to new for
 * its executor. The answer is kept in a staff-only event: it may hold a flat number or a time the
 * reporter is at home, which the public history (and Open311 status_notes) must not show.
 */
export async function clarifyTicket(tx: Queryable, token: string, answer: string, now: Date): Promise<{ id: number; status: string }> {
  await setActor(tx, 'citizen');
  const t = await lockByToken(tx, token);
  if (!t.may_clarify) throw conflict(`Ticket ${t.id} is ${t.status}: an answer is taken only while the executor waits for one.`);
  const row = await one<{ status: string }>(tx, 'tickets/clarify', { id: t.id, now });
  await addTicketEvent(tx, { ticketId: t.id, kind: 'status', actor: CITIZEN, at: now, fromStatus: t.status, toStatus: 'new', note: 'Заявник надав уточнення.' });
  await addTicketEvent(tx, { ticketId: t.id, kind: 'comment', actor: CITIZEN, at: now, note: answer, public: false });
  return { id: t.id, status: row.status };
}

export interface CitizenCard {
  ticket: PublicTicket;
  events: { at: string; kind: string; from_status: string | null; to_status: string | null; note: string | null }[];
  rating: number | null;
  may_rate: boolean;
  may_reopen: boolean;
  may_clarify: boolean;
}

/** The reporter's view: the public ticket, its public history, and what they may do now. */
export async function citizenCard(db: Queryable, token: string, now: Date, settings: TicketsConfig): Promise<CitizenCard> {
  const ids = await maybeOne<{ id: number; root_id: number }>(db, 'tickets/by-token', { token });
  if (!ids) throw notFound('No ticket has this token.');
  const [row] = await loadPublicTickets(db, [ids.id]);
  const state = await one<{ status: string; rating: number | null; done_at: Date | null; closed_at: Date | null; may_reopen: boolean; may_clarify: boolean }>(
    db, 'tickets/citizen-state', { id: ids.root_id });
  const events = await db.query<{ at: Date; kind: string; from_status: string | null; to_status: string | null; note: string | null }>(
    'tickets/public-events', { id: ids.root_id });
  const finishedAt = state.done_at ?? state.closed_at;
  return {
    ticket: presentPublicTicket(row!, settings.timeZone),
    events: events.map((e) => ({ at: isoWithOffset(e.at, settings.timeZone), kind: e.kind, from_status: e.from_status, to_status: e.to_status, note: e.note })),
    rating: state.rating,
    may_rate: state.status === 'done' || state.status === 'closed',
    may_reopen: state.may_reopen && finishedAt !== null && finishedAt.getTime() + settings.reopenWindowDays * 86_400_000 >= now.getTime(),
    may_clarify: state.may_clarify,
  };
}
