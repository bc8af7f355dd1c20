// A Server-Sent Events client for fault tests and load runs: keeps the events it got, waits for one that matches.
import http from 'node:http';

export interface SseEvent {
  event: string;
  data: string;
  /** performance.now() when it arrived. */
  at: number;
}

export interface LiveClient {
  readonly events: SseEvent[];
  /** True once the server ended the stream or the connection broke. */
  readonly ended: boolean;
  /** The first event (already received or still to come) of this name whose data matches. */
  waitFor(event: string, match?: (data: unknown) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/** Opens GET {url} as EventSource would; resolves once the headers are in. `keep: false` counts events without keeping them. */
export function connectLive(url: string, opts: { keep?: boolean; onEvent?: (e: SseEvent) => void } = {}): Promise<LiveClient> {
  const keep = opts.keep ?? true;
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const waiters = new Set<() => void>();
    let ended = false;
    let buffer = '';
    const req = http.get(url, { agent: false, headers: { Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url} answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const lines = buffer.slice(0, cut).split('\n');
          buffer = buffer.slice(cut + 2);
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          if (!event) continue;
          const e = { event, data: lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'), at: performance.now() };
          if (keep) events.push(e);
          opts.onEvent?.(e);
        }
        for (const w of waiters) w();
      });
      const end = () => {
        ended = true;
        for (const w of waiters) w();
      };
      res.on('end', end);
      res.on('close', end);
      resolve({
        events,
        get ended() { return ended; },
        waitFor(event, match = () => true, timeoutMs = 10_000) {
          const find = () => events.find((e) => e.event === event && match(JSON.parse(e.data)));
          return new Promise((done, fail) => {
            const check = () => {
              const found = find();
              if (found) finish(() => done(found));
              else if (ended) finish(() => fail(new Error(`the stream ended before a "${event}" event came`)));
            };
            const timer = setTimeout(() => finish(() => fail(new Error(`no matching "${event}" event within ${timeoutMs} ms`))), timeoutMs);
            const finish = (then: () => void) => {
              clearTimeout(timer);
              waiters.delete(check);
              then();
            };
            waiters.add(check);
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', (err) => {
      ended = true;
      for (const w of waiters) w();
      reject(err);
    });
  });
}
