// Sustained Open311 intake for the fault tests: concurrent posters that remember what was acknowledged, what failed and what is in doubt, and the checks that no ticket is half-written.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/db.js';
import { postOpen311, type Open311Ticket } from '../testing/server-process.js';

/** A name for one intake run: its keys and descriptions carry it. */
export const newRun = () => randomBytes(4).toString('hex');

const descriptionOf = (run: string, i: number | string) => `fault intake ${run} #${i}`;

export interface Sent {
  key: string;
  description: string;
  /** The form as sent, for a retry of the very same request. */
  ticket: Open311Ticket;
  /** The id the server acknowledged (HTTP 200 with service_request_id). */
  id?: number;
  /** The HTTP status when there was an answer; undefined when the connection failed. */
  status?: number;
  /** Milliseconds from send to answer or failure. */
  ms: number;
}

export interface Intake {
  run: string;
  sent: Sent[];
  /** Stops sending; resolves when every poster has its last answer. */
  stop(): Promise<void>;
}

/**
 * `concurrency` loops each POST one ticket after another, each with its own Idempotency-Key
 * and a description that names it, a contact e-mail and a point in the rectangle, until stop().
 * `baseUrl()` is asked before every request, so a restarted server can be followed.
 */
export function sustainIntake(opts: { baseUrl: () => string; apiKey: string; category: string; rect: [number, number, number, number]; concurrency: number; pauseMs?: number; run?: string }): Intake {
  const run = opts.run ?? newRun();
  const sent: Sent[] = [];
  let stopped = false;
  let n = 0;
  const [w, s, e, nn] = opts.rect;
  const loop = async () => {
    while (!stopped) {
      const i = n++;
      const description = descriptionOf(run, i);
      const ticket: Open311Ticket = {
        service_code: opts.category,
        lat: s + ((i * 0.618) % 1) * (nn - s),
        long: w + ((i * 0.382) % 1) * (e - w),
        description,
        email: `caller.${i}@example.org`,
      };
      const item: Sent = { key: `${run}-${i}`, description, ticket, ms: 0 };
      sent.push(item);
      const t0 = performance.now();
      try {
        const answer = await postOpen311(opts.baseUrl(), opts.apiKey, ticket, { idempotencyKey: item.key, signal: AbortSignal.timeout(15_000) });
        item.status = answer.status;
        if (answer.id !== undefined) item.id = answer.id;
      } catch {
        // No answer: the ticket may or may not have been committed.
      }
      item.ms = performance.now() - t0;
      if (item.status === undefined || item.status >= 500) await new Promise((r) => setTimeout(r, 50));
      else if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  };
  const loops = Array.from({ length: opts.concurrency }, loop);
  return {
    run,
    sent,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

export interface WriteCheck {
  /** Tickets of the run in the database. */
  tickets: number;
  /** Tickets lacking a part that their one transaction writes with them. */
  withoutCreatedEvent: number[];
  withoutContact: number[];
  withoutAudit: number[];
  withoutIdempotencyKey: number[];
  /** Stored Idempotency-Key answers that name no ticket of theirs. */
  keysWithoutTicket: string[];
  /** Requests (one key, one description) that made more than one ticket. */
  duplicated: string[];
}

/** What the database holds for the tickets sent by the intake of this run. */
export async function checkWrites(db: Queryable, run: string): Promise<WriteCheck> {
  const like = descriptionOf(run, '%');
  const tickets = await db.sql<{ id: number; description: string; created: number; contact: number; audit: number }>(
    `SELECT t.id, t.description,
            (SELECT count(*)::int FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'created') AS created,
            (SELECT count(*)::int FROM ticket_contacts c WHERE c.ticket_id = t.id) AS contact,
            (SELECT count(*)::int FROM audit_log a WHERE a.table_name = 'tickets' AND a.row_id = t.id::text AND a.action = 'INSERT') AS audit
       FROM tickets t WHERE t.description LIKE $like`, { like });
  const keys = await db.sql<{ key: string; id: number | null }>(
    `SELECT key, ((response ->> 'body')::jsonb -> 0 ->> 'service_request_id')::bigint AS id
       FROM idempotency_keys WHERE key LIKE $prefix`, { prefix: `${run}-%` });
  const byDescription = new Map<string, number[]>();
  for (const t of tickets) byDescription.set(t.description, [...(byDescription.get(t.description) ?? []), t.id]);
  const keyOf = (description: string) => `${run}-${description.split(' #').at(-1)}`;
  const keyAnswers = new Map(keys.map((k) => [k.key, k.id]));
  return {
    tickets: tickets.length,
    withoutCreatedEvent: tickets.filter((t) => t.created !== 1).map((t) => t.id),
    withoutContact: tickets.filter((t) => t.contact !== 1).map((t) => t.id),
    withoutAudit: tickets.filter((t) => t.audit !== 1).map((t) => t.id),
    withoutIdempotencyKey: tickets.filter((t) => keyAnswers.get(keyOf(t.description)) !== t.id).map((t) => t.id),
    keysWithoutTicket: keys.filter((k) => !(byDescription.get(descriptionOf(run, k.key.slice(run.length + 1))) ?? []).includes(k.id ?? -1)).map((k) => k.key),
    duplicated: [...byDescription].filter(([, ids]) => ids.length > 1).map(([d]) => d),
  };
}
