// The live stream hub: one subscription to the change feed, one database read per batch of ticket changes, fanned out to every SSE client.
import type { ServerResponse } from 'node:http';
import type { Queryable } from '../db/db.js';
import type { BBox, Change, ChangeFeed } from './changes.js';
import { briefTicket, loadPublicTickets, presentPublicTicket } from '../tickets/present.js';

/** Which map layers a change of a table touches: the map refreshes just those tiles. */
export const LAYERS_BY_TABLE: Record<string, string[]> = {
  tickets: ['tickets'],
  outages: ['outages', 'addresses'],
  objects: ['objects'],
  service_areas: ['service_areas'],
  addresses: ['addresses'],
};

export interface LiveOptions {
  db: Queryable;
  changes: ChangeFeed;
  timeZone: string;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
  /** Changes arriving within this window share one database read and one write per client. */
  batchMs?: number;
  /**
   * The window after a batch of at least busyChanges changes. In a burst (hundreds of tickets a
   * second) every connected map would otherwise get forty writes a second; a quarter of a second
   * keeps a new ticket well within DESIGN.md's second and makes them four.
   */
  busyBatchMs?: number;
  busyChanges?: number;
  /** A client whose unsent data passes this is too slow: it is dropped and reconnects (retry:). */
  maxBufferedBytes?: number;
  log?: (message: string) => void;
}

/**
 * How much of a ticket a client hears: its whole public projection (the default), or brief: its
 * id, place and state, for maps that only redraw and reload (the web app).
 */
export type LiveDetail = 'full' | 'brief';

interface Client {
  res: ServerResponse;
  bbox: BBox | undefined;
  detail: LiveDetail;
}

function union(a: BBox | null, b: BBox | null): BBox | null {
  if (!a) return b;
  if (!b) return a;
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

function overlaps(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A batch of messages, each in both details, with the box it concerns (null: everyone gets it). */
type Outgoing = { text: Record<LiveDetail, string>; bbox: BBox | null }[];

/** The same message for every client. */
const toAll = (text: string): Record<LiveDetail, string> => ({ full: text, brief: text });

export class LiveHub {
  private readonly clients = new Set<Client>();
  private unsubscribe: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private batch: Change[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private flushing = false;
  private readonly heartbeatMs: number;
  private readonly batchMs: number;
  private readonly busyBatchMs: number;
  private readonly busyChanges: number;
  /** Whether the last batch was a busy one: the next window is busyBatchMs. */
  private busy = false;
  private readonly maxBufferedBytes: number;
  private readonly log: (message: string) => void;

  constructor(private readonly opts: LiveOptions) {
    this.heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.batchMs = opts.batchMs ?? 25;
    this.busyBatchMs = opts.busyBatchMs ?? 250;
    this.busyChanges = opts.busyChanges ?? 32;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 1 << 20;
    this.log = opts.log ?? ((m) => console.error(m));
  }

  get size(): number {
    return this.clients.size;
  }

  /** Adds a client whose headers are sent; returns the function that removes it (call it on 'close'). */
  add(res: ServerResponse, bbox?: BBox, detail: LiveDetail = 'full'): () => void {
    const client: Client = { res, bbox, detail };
    this.clients.add(client);
    if (!this.unsubscribe) {
      this.unsubscribe = this.opts.changes.subscribe((c) => this.onChange(c), () => this.onReconnected());
      this.heartbeat = setInterval(() => this.send([{ text: toAll(': heartbeat\n\n'), bbox: null }]), this.heartbeatMs);
      this.heartbeat.unref();
    }
    return () => this.remove(client);
  }

  private remove(client: Client) {
    if (!this.clients.delete(client)) return;
    if (!client.res.writableEnded) client.res.end();
    if (this.clients.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
      this.batch = [];
    }
  }

  private onChange(change: Change) {
    this.batch.push(change);
    this.schedule();
  }

  /** The LISTEN connection was lost for a while: anything may have changed, so clients reload. */
  private onReconnected() {
    this.send([{ text: toAll(frame('reset', {})), bbox: null }]);
  }

  // One batch in flight at a time keeps the order; what arrives meanwhile goes in the next one.
  private schedule() {
    if (this.batchTimer || this.flushing) return;
    this.batchTimer = setTimeout(() => {
      this.batchTimer = undefined;
      this.flush();
    }, this.busy ? this.busyBatchMs : this.batchMs);
  }

  private flush() {
    const changes = this.batch;
    this.batch = [];
    this.busy = changes.length >= this.busyChanges;
    if (changes.length === 0) return;
    this.flushing = true;
    this.deliver(changes)
      .catch((err: Error) => this.log(`misto: live stream could not read changed tickets: ${err.message}`))
      .finally(() => {
        this.flushing = false;
        if (this.batch.length > 0) this.schedule();
      });
  }

  private async deliver(changes: Change[]) {
    const ticketIds = [...new Set(changes.filter((c) => c.table === 'tickets' && c.op !== 'delete').map((c) => Number(c.id)))];
    const rows = this.clients.size > 0 ? await loadPublicTickets(this.opts.db, ticketIds) : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const out: Outgoing = [];
    // One tiles hint per set of layers per batch, over the box of all its changes: a burst of
    // tickets asks each map to redraw its ticket tiles once, not once per ticket.
    // The box is null when a change had none: it may be anywhere, and the hint covers everything.
    const hints = new Map<string[], BBox | null>();
    for (const c of changes) {
      const bbox = union(c.old, c.new);
      if (c.table === 'tickets') {
        const row = byId.get(Number(c.id));
        if (c.op === 'delete' || !row) out.push({ text: toAll(frame('ticket', { service_request_id: c.id, deleted: true })), bbox });
        else {
          const ticket = presentPublicTicket(row, this.opts.timeZone);
          out.push({ text: { full: frame('ticket', ticket), brief: frame('ticket', briefTicket(ticket)) }, bbox });
        }
      }
      const layers = LAYERS_BY_TABLE[c.table];
      if (!layers) continue;
      const seen = hints.get(layers);
      hints.set(layers, seen === undefined ? bbox : seen === null || bbox === null ? null : union(seen, bbox));
    }
    for (const [layers, bbox] of hints) out.push({ text: toAll(frame('tiles', { layers, bbox })), bbox });
    this.send(out);
  }

  /**
   * One write per client per batch; a client that cannot keep up is dropped. The batch is encoded
   * once per detail for every client that watches the whole city (the web map does), and once per
   * view for those that gave a bbox.
   */
  private send(out: Outgoing) {
    const whole: Partial<Record<LiveDetail, Buffer>> = {};
    for (const client of this.clients) {
      const { bbox, detail } = client;
      const bytes = bbox
        ? Buffer.from(out.filter((m) => !m.bbox || overlaps(bbox, m.bbox)).map((m) => m.text[detail]).join(''))
        : (whole[detail] ??= Buffer.from(out.map((m) => m.text[detail]).join('')));
      if (bytes.length === 0) continue;
      if (client.res.writableLength > this.maxBufferedBytes) {
        this.remove(client);
        continue;
      }
      client.res.write(bytes);
    }
  }

  /** Ends every stream (server shutdown). */
  close() {
    for (const client of [...this.clients]) this.remove(client);
  }
}
