// The tile service: the cache in front of the renderer, kept right by the database's change
// feed. Invalidation comes from NOTIFY, so every server process on one database drops the
// same tiles; a lost LISTEN (reconnected) drops them all.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
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

const gzip = promisify(gzipCallback);

/** 128 MiB of tiles: a whole city at street zooms, on a machine with gigabytes to spare. */
export const DEFAULT_CACHE_BYTES = 128 * 1024 * 1024;

export interface TileServiceOptions {
  db: Db;
  changes?: ChangeFeed;
  clock?: Clock;
  maxBytes?: number;
  encoder?: Encoder;
}

export interface TileService {
  /** The tile of these layers (registry order), from the cache or rendered once. */
  get(layers: readonly TileLayer[], tile: TileAddress): Promise<CachedTile>;
  stats(): TileCacheStats & { renders: number };
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

  async function render(layers: readonly TileLayer[], tile: TileAddress): Promise<CachedTile> {
    renders++;
    const out = await renderTile(opts.db, layers, tile, clock.now(), encoder);
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
      return cache.get(shown.map((l) => l.id), tile, () => render(shown, tile));
    },
    stats: () => ({ ...cache.stats(), renders }),
    cache,
    close: () => unsubscribe?.(),
  };
}

const services = new WeakMap<AppDeps, TileService>();

/** The one tile service of an app (its routes and its tests share it). */
export function tileServiceFor(deps: AppDeps): TileService {
  let service = services.get(deps);
  if (!service) {
    service = createTileService({ db: deps.db, changes: deps.changes, ...(deps.clock ? { clock: deps.clock } : {}) });
    services.set(deps, service);
  }
  return service;
}
