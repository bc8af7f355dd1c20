// The live stream (GET /api/live, Server-Sent Events): new and changed tickets and the tiles
// they touch. Reconnects by itself; `live.lost` drives the "connection lost" banner.
export interface TilesEvent {
  layers: string[];
  bbox?: [number, number, number, number] | null;
}

export interface LiveTicket {
  id?: number | string;
  service_request_id?: string;
  [key: string]: unknown;
}

type Listener<T> = (data: T) => void;

export const live = $state({ connected: false, lost: false, everConnected: false });

const ticketListeners = new Set<Listener<LiveTicket>>();
const tilesListeners = new Set<Listener<TilesEvent>>();
const reconnectListeners = new Set<() => void>();

let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let lostTimer: ReturnType<typeof setTimeout> | undefined;
let backoff = 1000;

function markLost() {
  live.connected = false;
  // A blip shorter than a second and a half is not worth a banner.
  if (lostTimer === undefined) lostTimer = setTimeout(() => { live.lost = true; }, 1500);
}

function markOpen() {
  clearTimeout(lostTimer);
  lostTimer = undefined;
  const wasLost = live.everConnected && !live.connected;
  live.connected = true;
  live.lost = false;
  live.everConnected = true;
  backoff = 1000;
  // Whatever happened while we were away is not in the stream: let the map refetch.
  if (wasLost) for (const fn of reconnectListeners) fn();
}

function parse<T>(e: MessageEvent): T | undefined {
  try {
    return JSON.parse(e.data as string) as T;
  } catch {
    return undefined;
  }
}

function connect() {
  clearTimeout(retryTimer);
  source?.close();
  // Brief: a ticket's id, place and state; a view that shows a ticket loads the rest by its id.
  const es = new EventSource('/api/live?detail=brief');
  source = es;
  es.addEventListener('open', markOpen);
  es.addEventListener('ticket', (e) => {
    const data = parse<LiveTicket>(e as MessageEvent);
    if (data) for (const fn of ticketListeners) fn(data);
  });
  es.addEventListener('tiles', (e) => {
    const data = parse<TilesEvent>(e as MessageEvent);
    if (data && Array.isArray(data.layers)) for (const fn of tilesListeners) fn(data);
  });
  // The server lost its own change feed for a while: anything may have changed.
  es.addEventListener('reset', () => {
    for (const fn of reconnectListeners) fn();
  });
  es.addEventListener('error', () => {
    if (source !== es) return;
    markLost();
    if (es.readyState === EventSource.CLOSED) {
      // The browser gave up (an HTTP error or a wrong content type): try again ourselves.
      retryTimer = setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 15_000);
    }
  });
}

let started = false;

export function startLive() {
  if (started) return;
  started = true;
  connect();
  window.addEventListener('offline', markLost);
  window.addEventListener('online', () => { if (!live.connected) connect(); });
}

export function onLiveTicket(fn: Listener<LiveTicket>): () => void {
  ticketListeners.add(fn);
  return () => ticketListeners.delete(fn);
}

export function onLiveTiles(fn: Listener<TilesEvent>): () => void {
  tilesListeners.add(fn);
  return () => tilesListeners.delete(fn);
}

export function onLiveReconnect(fn: () => void): () => void {
  reconnectListeners.add(fn);
  return () => reconnectListeners.delete(fn);
}
