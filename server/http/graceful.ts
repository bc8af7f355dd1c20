// Graceful close of the HTTP server: stop accepting, end live streams, let requests in flight finish (bounded), then drop what is left.
import type { Server, ServerResponse } from 'node:http';

export interface GracefulServer {
  /** Requests being answered now, live streams not counted. */
  readonly inFlight: number;
  /**
   * Stops accepting connections, ends every Server-Sent Events stream (its client reconnects
   * elsewhere), waits up to graceMs for the requests in flight, then closes every connection.
   * Resolves to true when all requests finished within the grace.
   */
  close(graceMs: number): Promise<boolean>;
}

/**
 * A live stream never finishes by itself: shutdown must end it rather than wait for it. Headers
 * given only to writeHead() (as the live route does) are not kept for getHeader(), so the head
 * as sent is read too.
 */
function isStream(res: ServerResponse): boolean {
  if (!res.headersSent) return false;
  const head = (res as ServerResponse & { _header?: string | null })._header ?? '';
  return String(res.getHeader('content-type') ?? '').startsWith('text/event-stream') || /^content-type:\s*text\/event-stream/im.test(head);
}

/** Tracks the server's requests from now on; call right after creating the server. */
export function graceful(server: Server): GracefulServer {
  const active = new Set<ServerResponse>();
  let closing = false;
  let wake: (() => void) | undefined;

  server.on('request', (_req, res: ServerResponse) => {
    active.add(res);
    // A request that arrives on a kept-alive connection while closing is answered, and then its connection closes.
    if (closing) res.shouldKeepAlive = false;
    res.once('close', () => {
      active.delete(res);
      if (closing) {
        // The connection may now be idle; an idle one would otherwise linger for keepAliveTimeout.
        setImmediate(() => server.closeIdleConnections());
        wake?.();
      }
    });
  });

  const pending = () => [...active].filter((res) => !isStream(res));

  return {
    get inFlight() {
      return pending().length;
    },
    async close(graceMs) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const res of active) {
        if (isStream(res)) res.end();
        else if (!res.headersSent) res.shouldKeepAlive = false;
      }
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (pending().length > 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(250, Math.max(1, deadline - Date.now()))).unref();
        });
        wake = undefined;
      }
      const drained = pending().length === 0;
      server.closeAllConnections();
      await closed;
      return drained;
    },
  };
}
