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

const TICKET_FRAME = 'event: ticket\n';

/** Opens `count` streams to baseUrl/api/live, a few at a time, as maps open over a morning. */
export async function connectCrowd(baseUrl: string, count: number): Promise<LiveCrowd> {
  const requests: http.ClientRequest[] = [];
  let open = 0;
  let dropped = 0;
  let tickets = 0;
  let closing = false;
  // A marker waits for every client to see it; each client checks its chunks for the markers still pending.
  const pending = new Map<string, { seen: Set<number>; done: (ms: number) => void; t0: number }>();
  const connectOne = (i: number) => new Promise<void>((resolve, reject) => {
    const req = http.get(`${baseUrl}/api/live`, { agent: false, headers: { Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`live stream ${i}: ${res.statusCode}`));
        return;
      }
      open++;
      res.setEncoding('utf8');
      // A frame or a marker may be split between two chunks: each chunk is read with the end of the one before.
      let tail = '';
      res.on('data', (chunk: string) => {
        const frameText = tail.slice(-(TICKET_FRAME.length - 1)) + chunk;
        for (let at = frameText.indexOf(TICKET_FRAME); at >= 0; at = frameText.indexOf(TICKET_FRAME, at + 1)) tickets++;
        if (pending.size > 0) {
          const text = tail + chunk;
          for (const [marker, p] of pending) {
            if (!p.seen.has(i) && text.includes(marker)) {
              p.seen.add(i);
              if (p.seen.size >= open) p.done(performance.now() - p.t0);
            }
          }
        }
        tail = (tail + chunk).slice(-128);
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
