// Many connected maps: live-stream (SSE) clients that count what reaches them and time how long a marked ticket takes to reach all of them.
import http from 'node:http';

export interface LiveCrowd {
  /** Clients whose stream is open now. */
  connected(): number;
  /** Streams that ended or broke during the run. */
  dropped(): number;
  /** 'event: ticket' frames received, over all clients. */
  ticketEvents(): number;
  /** Resolves with the ms from now until every connected client has seen `marker` (or the timeout passed: null). */
  timeToAll(marker: string, timeoutMs: number): Promise<{ ms: number | null; reached: number; of: number }>;
  close(): void;
}

const TICKET_FRAME = Buffer.from('event: ticket\n');

/** How many times needle occurs in haystack. */
function occurrences(haystack: Buffer, needle: Buffer): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) n++;
  return n;
}

/**
 * Opens `count` streams to baseUrl/api/live?detail=brief (as the web app's maps do), a few at a time, as maps open over a morning. The
 * streams are read as bytes, never decoded: 500 maps in one process would otherwise spend a core
 * on UTF-8 that the server under test then lacks.
 */
export async function connectCrowd(baseUrl: string, count: number): Promise<LiveCrowd> {
  const requests: http.ClientRequest[] = [];
  let open = 0;
  let dropped = 0;
  let tickets = 0;
  let closing = false;
  // A marker waits for every client to see it; each client checks its chunks for the markers still pending.
  const pending = new Map<string, { bytes: Buffer; seen: Set<number>; done: (ms: number) => void; t0: number }>();
  const connectOne = (i: number) => new Promise<void>((resolve, reject) => {
    const req = http.get(`${baseUrl}/api/live?detail=brief`, { agent: false, headers: { Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`live stream ${i}: ${res.statusCode}`));
        return;
      }
      open++;
      // A frame or a marker may be split between two chunks: each chunk is read with the end of the one before.
      let tail = Buffer.alloc(0);
      res.on('data', (chunk: Buffer) => {
        const text = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
        // Frames that started in the tail were counted with the chunk before.
        tickets += occurrences(text, TICKET_FRAME) - occurrences(tail, TICKET_FRAME);
        for (const [, p] of pending) {
          if (!p.seen.has(i) && text.includes(p.bytes)) {
            p.seen.add(i);
            if (p.seen.size >= open) p.done(performance.now() - p.t0);
          }
        }
        tail = Buffer.from(text.subarray(Math.max(0, text.length - 128)));
      });
      res.once('close', () => {
        open--;
        if (!closing) dropped++;
      });
      resolve();
    });
    req.on('error', (err) => { if (!closing) reject(err); });
    requests.push(req);
  });
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => connectOne(i + j)));
  }
  return {
    connected: () => open,
    dropped: () => dropped,
    ticketEvents: () => tickets,
    timeToAll(marker, timeoutMs) {
      return new Promise((resolve) => {
        const entry = {
          bytes: Buffer.from(marker),
          seen: new Set<number>(),
          t0: performance.now(),
          done: (ms: number) => finish(ms),
        };
        const timer = setTimeout(() => finish(null), timeoutMs);
        const finish = (ms: number | null) => {
          clearTimeout(timer);
          pending.delete(marker);
          resolve({ ms, reached: entry.seen.size, of: open });
        };
        pending.set(marker, entry);
      });
    },
    close() {
      closing = true;
      for (const req of requests) req.destroy();
    },
  };
}
