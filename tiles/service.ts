// The tile service: the cache in front of the renderer, kept right by the database's change
// feed. Invalidation comes from NOTIFY, so every server process on one database drops the
// same tiles; a lost LISTEN (reconnected) drops them all.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback, gzipSync } from 'node:zlib';
import type { Db } from '../server/db/db.js';
import type { ChangeFeed } from '../server/live/changes.js';
import { systemClock, type Clock } from '../server/clock.js';
import type { AppDeps } from '../server/app.js';
import type { TileLayer } from './layers.js';
import { TileCache, type CachedTile, type TileCacheStats } from './cache.js';
import { changedAreas, tileRangesFor } from './invalidation.js';
import { encoderFor, renderTile } from './render.js';
import type { Encoder } from './sql.js';
import type { TileAddress } from './tile.js';
import { overloaded } from '../server/http/load-shedding.js';

const gzipAsync = promisify(gzipCallback);
/** Below this many bytes a tile is gzipped on the spot (tens of microseconds): a trip through
 *  libuv's thread pool and back costs more, and on a busy machine much more, than the work.
 *  Larger tiles go to the pool, so that the event loop keeps answering cached tiles meanwhile. */
const GZIP_INLINE_BYTES = 32 * 1024;
const gzip = (bytes: Buffer): Promise<Buffer> | Buffer => (bytes.length < GZIP_INLINE_BYTES ? gzipSync(bytes) : gzipAsync(bytes));

/** 128 MiB of tiles: a whole city at street zooms, on a machine with gigabytes to spare. */
export const DEFAULT_CACHE_BYTES = 128 * 1024 * 1024;

export interface TileServiceOptions {
  db: Db;
  changes?: ChangeFeed;
  clock?: Clock;
  maxBytes?: number;
  encoder?: Encoder;
  /** false: every request renders its own tile, no cache and no sharing of computations — the
   *  uncached path the benchmark sets against the bare tile SQL. Default true. */
  cache?: boolean;
  /** Tile statements run at once; default the connection pool less two (at least 1), which the
   *  rest of the app keeps; the embedded database, one connection, gets 1. */
  renderSlots?: number;
  /** Renders that may wait for a slot before new ones are refused (503); default 256. */
  renderQueue?: number;
}

/**
 * Turns to run a tile statement. A change near the city centre makes every low zoom redraw at
 * once, and a low-zoom tile of a big city takes a second of database time: unbounded, those
 * renders would hold every pooled connection while the rest of the app (and the cheap street
 * tiles) waited past the pool's timeout. So renders take at most `size` connections, and when
 * some wait, the deepest zoom goes first: its tile is the cheapest and the one a user is
 * looking at closest.
 */
export class RenderSlots {
  private busy = 0;
  private readonly waiting: { z: number; go: () => void }[] = [];

  /** maxQueue: tiles waiting beyond which a new one is refused with a fast 503 (Retry-After)
   *  rather than left to wait past any client's patience. */
  constructor(readonly size: number, readonly maxQueue = Number.POSITIVE_INFINITY) {}

  async run<T>(z: number, fn: () => Promise<T>): Promise<T> {
    if (this.busy >= this.size) {
      if (this.waiting.length >= this.maxQueue) throw overloaded(1);
      await new Promise<void>((go) => {
        const at = this.waiting.findIndex((w) => w.z < z);
        this.waiting.splice(at === -1 ? this.waiting.length : at, 0, { z, go });
      });
    } else {
      this.busy++;
    }
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next in line, or is freed.
      const next = this.waiting.shift();
      if (next) next.go();
      else this.busy--;
    }
  }

  get queued(): number {
    return this.waiting.length;
  }
}

export interface TileService {
  /** The tile of these layers (registry order), from the cache or rendered once. */
  get(layers: readonly TileLayer[], tile: TileAddress): Promise<CachedTile>;
  /** The tile if the cache holds it now; never renders (undefined: ask get()). */
  peek(layers: readonly TileLayer[], tile: TileAddress): CachedTile | undefined;
  /** The counters, and when (epoch ms) the last change from the database reached the cache. */
  stats(): TileCacheStats & { renders: number; lastChangeAt: number | null };
  readonly cache: TileCache;
  close(): void;
}

const EMPTY: CachedTile = Object.freeze({ raw: Buffer.alloc(0), gzip: null, hash: hashOf(Buffer.alloc(0)), expiresAt: null });

function hashOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 32);
}

export function createTileService(opts: TileServiceOptions): TileService {
  const clock = opts.clock ?? systemClock;
  const encoder = opts.encoder ?? encoderFor(opts.db.backend);
  const cache = new TileCache({ maxBytes: opts.maxBytes ?? DEFAULT_CACHE_BYTES, now: () => clock.now().getTime() });
  let renders = 0;
  let lastChangeAt: number | null = null;
  const slots = new RenderSlots(opts.renderSlots ?? Math.max(1, (opts.db.poolStats?.().max ?? 3) - 2), opts.renderQueue ?? 256);

  async function render(layers: readonly TileLayer[], tile: TileAddress): Promise<CachedTile> {
    renders++;
    // The clock is read when the statement runs, not when the request came in. A replica may
    // draw it: one that lacks a change is never asked once that change's NOTIFY has arrived
    // (server/db/replicas.ts fences it), and a render already under way when the NOTIFY comes
    // is handed to its waiters but not kept (the cache marks it stale).
    const out = await slots.run(tile.z, () => renderTile(opts.db.reader(), layers, tile, clock.now(), encoder));
    if (out.bytes.length === 0) return { ...EMPTY, expiresAt: out.expiresAt?.getTime() ?? null };
    return {
      raw: out.bytes,
      gzip: await gzip(out.bytes),
      hash: hashOf(out.bytes),
      expiresAt: out.expiresAt?.getTime() ?? null,
    };
  }

  const unsubscribe = opts.changes?.subscribe(
    (change) => {
      lastChangeAt = Date.now();
      for (const area of changedAreas(change)) {
        const layers = new Set([area.layer.id]);
        for (const range of tileRangesFor(area)) cache.invalidate(layers, range);
      }
    },
    () => cache.clear(),
  );

  return {
    async get(layers, tile) {
      // Below its minzoom a layer has nothing; a tile of no layer needs no database.
      const shown = layers.filter((l) => tile.z >= l.minzoom);
      if (shown.length === 0) return EMPTY;
      if (opts.cache === false) return render(shown, tile);
      return cache.get(shown.map((l) => l.id), tile, () => render(shown, tile));
    },
    peek(layers, tile) {
      const shown = layers.filter((l) => tile.z >= l.minzoom);
      if (shown.length === 0) return EMPTY;
      return opts.cache === false ? undefined : cache.peek(shown.map((l) => l.id), tile);
    },
    stats: () => ({ ...cache.stats(), renders, lastChangeAt }),
    cache,
    close: () => unsubscribe?.(),
  };
}

const services = new WeakMap<AppDeps, TileService>();

/** Makes service the tile service of the app built from deps; call before createApp(deps). */
export function provideTileService(deps: AppDeps, service: TileService): void {
  if (services.has(deps)) throw new Error('this app already has its tile service');
  services.set(deps, service);
}

/** The one tile service of an app (its routes and its tests share it). */
export function tileServiceFor(deps: AppDeps): TileService {
  let service = services.get(deps);
  if (!service) {
    service = createTileService({ db: deps.db, changes: deps.changes, ...(deps.clock ? { clock: deps.clock } : {}) });
    services.set(deps, service);
  }
  return service;
}
