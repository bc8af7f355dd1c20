// The in-process tile cache: encoded (and gzipped) tiles bounded in bytes, least recently
// used out first; one computation per missing tile however many ask at once; tiles dropped
// exactly where a change touches them, including a tile still being computed when the change
// arrives (its result is handed to those already waiting but never stored).
import { inRange, rangeSize, type TileAddress, type TileRange } from './tile.js';

export interface CachedTile {
  /** The protobuf; empty for a tile with no feature. */
  raw: Buffer;
  /** The same, gzipped; null when empty. */
  gzip: Buffer | null;
  /** A strong validator of raw: a hash of its bytes (unquoted). */
  hash: string;
  /** Epoch ms at which the clock alone makes this tile wrong; null: only a change does. */
  expiresAt: number | null;
}

export interface TileCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  /** Requests that found their tile being computed and waited for it. */
  joined: number;
  invalidated: number;
  evicted: number;
}

interface Slot {
  layers: readonly string[];
  tile: TileAddress;
}
interface Entry extends Slot {
  value: CachedTile;
  size: number;
}
interface Flight extends Slot {
  promise: Promise<CachedTile>;
  stale: boolean;
}
interface Cell {
  x: number;
  y: number;
  keys: Set<string>;
}

// Map and key overhead per entry, so that a cache of many tiny tiles is bounded too.
const ENTRY_OVERHEAD = 200;

export function tileKey(layers: readonly string[], t: TileAddress): string {
  return `${layers.join(',')}/${t.z}/${t.x}/${t.y}`;
}

export class TileCache {
  private readonly entries = new Map<string, Entry>();
  private readonly flights = new Map<string, Flight>();
  // Every key that has an entry or a flight, by zoom and then by tile, for invalidation.
  private readonly index = new Map<number, Map<string, Cell>>();
  private bytes = 0;
  private counts = { hits: 0, misses: 0, joined: 0, invalidated: 0, evicted: 0 };

  constructor(private readonly opts: { maxBytes: number; now: () => number }) {}

  stats(): TileCacheStats {
    return { entries: this.entries.size, bytes: this.bytes, ...this.counts };
  }

  /** The cached tile if it is there and current (a hit); undefined otherwise, and nothing is started. */
  peek(layers: readonly string[], tile: TileAddress): CachedTile | undefined {
    return this.hit(tileKey(layers, tile));
  }

  /** The cached tile, or the one being computed, or a new computation by render(). */
  async get(layers: readonly string[], tile: TileAddress, render: () => Promise<CachedTile>): Promise<CachedTile> {
    const key = tileKey(layers, tile);
    const cached = this.hit(key);
    if (cached) return cached;
    const waiting = this.flights.get(key);
    if (waiting) {
      this.counts.joined++;
      return waiting.promise;
    }
    this.counts.misses++;
    const flight = { layers, tile, stale: false } as Flight;
    this.flights.set(key, flight);
    this.addToIndex(key, tile);
    flight.promise = (async () => {
      try {
        const value = await render();
        if (!flight.stale) this.store(key, { layers, tile, value, size: value.raw.length + (value.gzip?.length ?? 0) + ENTRY_OVERHEAD });
        return value;
      } finally {
        if (this.flights.get(key) === flight) this.flights.delete(key);
        this.removeFromIndexIfGone(key, tile);
      }
    })();
    return flight.promise;
  }

  private hit(key: string): CachedTile | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.value.expiresAt !== null && this.opts.now() >= entry.value.expiresAt) {
      this.dropEntry(key);
      return undefined;
    }
    // Most recently used goes last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.counts.hits++;
    return entry.value;
  }

  /** Drops the tiles in range that hold any of these layers; returns how many it dropped. */
  invalidate(layers: ReadonlySet<string>, range: TileRange): number {
    const cells = this.index.get(range.z);
    if (!cells) return 0;
    const touched: Cell[] = [];
    // Walk whichever is smaller: the tiles of the range, or the tiles cached at this zoom.
    if (rangeSize(range) <= cells.size) {
      for (let x = range.minX; x <= range.maxX; x++) {
        for (let y = range.minY; y <= range.maxY; y++) {
          const cell = cells.get(`${x}/${y}`);
          if (cell) touched.push(cell);
        }
      }
    } else {
      for (const cell of cells.values()) if (inRange(range, { z: range.z, x: cell.x, y: cell.y })) touched.push(cell);
    }
    let dropped = 0;
    for (const cell of touched) {
      for (const key of [...cell.keys]) {
        const slot = this.entries.get(key) ?? this.flights.get(key);
        if (!slot || !slot.layers.some((l) => layers.has(l))) continue;
        const flight = this.flights.get(key);
        if (flight) {
          flight.stale = true;
          this.flights.delete(key);
        }
        if (this.entries.has(key)) this.dropEntry(key);
        else this.removeFromIndexIfGone(key, slot.tile);
        dropped++;
      }
    }
    this.counts.invalidated += dropped;
    return dropped;
  }

  /** Forgets everything (the change feed lost messages: anything may have changed). */
  clear(): void {
    for (const flight of this.flights.values()) flight.stale = true;
    this.counts.invalidated += this.entries.size + this.flights.size;
    this.flights.clear();
    this.entries.clear();
    this.index.clear();
    this.bytes = 0;
  }

  private store(key: string, entry: Entry) {
    if (entry.size > this.opts.maxBytes) return;
    if (this.entries.has(key)) this.dropEntry(key);
    this.entries.set(key, entry);
    this.bytes += entry.size;
    this.addToIndex(key, entry.tile);
    for (const [oldest] of this.entries) {
      if (this.bytes <= this.opts.maxBytes) break;
      this.dropEntry(oldest);
      this.counts.evicted++;
    }
  }

  private dropEntry(key: string) {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.size;
    this.removeFromIndexIfGone(key, entry.tile);
  }

  private addToIndex(key: string, t: TileAddress) {
    let cells = this.index.get(t.z);
    if (!cells) this.index.set(t.z, (cells = new Map()));
    const id = `${t.x}/${t.y}`;
    let cell = cells.get(id);
    if (!cell) cells.set(id, (cell = { x: t.x, y: t.y, keys: new Set() }));
    cell.keys.add(key);
  }

  private removeFromIndexIfGone(key: string, t: TileAddress) {
    if (this.entries.has(key) || this.flights.has(key)) return;
    const cells = this.index.get(t.z);
    const id = `${t.x}/${t.y}`;
    const cell = cells?.get(id);
    if (!cells || !cell) return;
    cell.keys.delete(key);
    if (cell.keys.size === 0) cells.delete(id);
    if (cells.size === 0) this.index.delete(t.z);
  }
}
