// The tile cache on its own: one computation per missing tile, a bound in bytes, exact
// invalidation (also of a tile being computed), and the clock's expiry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TileCache, type CachedTile } from './cache.js';
import { tilesTouching } from './tile.js';

const tile = (bytes: number, expiresAt: number | null = null): CachedTile =>
  ({ raw: Buffer.alloc(bytes, 1), gzip: null, hash: `h${bytes}`, expiresAt });

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

test('64 simultaneous requests for a missing tile share one computation', async () => {
  const cache = new TileCache({ maxBytes: 1 << 20, now: () => 0 });
  const gate = deferred<CachedTile>();
  let renders = 0;
  const render = () => { renders++; return gate.promise; };
  const all = Promise.all(Array.from({ length: 64 }, () => cache.get(['tickets'], { z: 14, x: 1, y: 2 }, render)));
  gate.resolve(tile(100));
  const results = await all;
  assert.equal(renders, 1);
  assert.ok(results.every((r) => r === results[0]));
  assert.deepEqual({ misses: cache.stats().misses, joined: cache.stats().joined }, { misses: 1, joined: 63 });
  await cache.get(['tickets'], { z: 14, x: 1, y: 2 }, render);
  assert.equal(renders, 1);
  assert.equal(cache.stats().hits, 1);
});

test('the cache stays within its bytes, dropping the least recently used first', async () => {
  const cache = new TileCache({ maxBytes: 5_000, now: () => 0 });
  const at = (x: number) => ({ z: 10, x, y: 0 });
  for (let x = 0; x < 4; x++) await cache.get(['tickets'], at(x), async () => tile(1_000));
  // Touch tile 0 so tile 1 is now the oldest.
  await cache.get(['tickets'], at(0), async () => assert.fail('tile 0 is cached'));
  await cache.get(['tickets'], at(4), async () => tile(1_000));
  const s = cache.stats();
  assert.ok(s.bytes <= 5_000, `${s.bytes} bytes`);
  assert.equal(s.evicted, 1);
  let rendered = false;
  await cache.get(['tickets'], at(1), async () => { rendered = true; return tile(1_000); });
  assert.ok(rendered, 'the least recently used tile was dropped');
  await cache.get(['tickets'], at(0), async () => assert.fail('the recently used tile stays'));
  // A tile bigger than the whole cache is served but not kept.
  await cache.get(['tickets'], at(9), async () => tile(10_000));
  assert.ok(cache.stats().bytes <= 5_000);
});

test('invalidation drops exactly the tiles of the layer in the range, composites included', async () => {
  const cache = new TileCache({ maxBytes: 1 << 20, now: () => 0 });
  const keep = async (layers: string[], z: number, x: number, y: number) => cache.get(layers, { z, x, y }, async () => tile(10 + x));
  await keep(['tickets'], 14, 100, 100);
  await keep(['tickets'], 14, 101, 100);
  await keep(['outages'], 14, 100, 100);
  await keep(['outages', 'tickets'], 14, 100, 100);
  await keep(['tickets'], 13, 50, 50);
  const dropped = cache.invalidate(new Set(['tickets']), { z: 14, minX: 100, maxX: 100, minY: 100, maxY: 100 });
  assert.equal(dropped, 2);
  const renderedAgain: string[] = [];
  for (const [layers, z, x, y] of [[['tickets'], 14, 100, 100], [['tickets'], 14, 101, 100], [['outages'], 14, 100, 100], [['outages', 'tickets'], 14, 100, 100], [['tickets'], 13, 50, 50]] as const) {
    await cache.get(layers, { z, x, y }, async () => { renderedAgain.push(`${layers.join(',')}/${z}/${x}/${y}`); return tile(1); });
  }
  assert.deepEqual(renderedAgain, ['tickets/14/100/100', 'outages,tickets/14/100/100']);
});

test('a change that arrives while a tile is computed keeps that result out of the cache', async () => {
  const cache = new TileCache({ maxBytes: 1 << 20, now: () => 0 });
  const before = deferred<CachedTile>();
  const t = { z: 16, x: 5, y: 5 };
  const first = cache.get(['tickets'], t, () => before.promise);
  cache.invalidate(new Set(['tickets']), { z: 16, minX: 0, maxX: 10, minY: 0, maxY: 10 });
  // A request after the change does not join the stale computation.
  let fresh = 0;
  const second = cache.get(['tickets'], t, async () => { fresh++; return tile(2); });
  before.resolve(tile(1));
  assert.equal((await first).raw.length, 1);
  assert.equal((await second).raw.length, 2);
  assert.equal(fresh, 1);
  const third = await cache.get(['tickets'], t, async () => assert.fail('the fresh tile is cached'));
  assert.equal(third.raw.length, 2);
});

test('a failed computation reaches every waiter and is not cached', async () => {
  const cache = new TileCache({ maxBytes: 1 << 20, now: () => 0 });
  const gate = deferred<CachedTile>();
  const t = { z: 3, x: 1, y: 1 };
  const waiting = Array.from({ length: 5 }, () => cache.get(['tickets'], t, () => gate.promise));
  gate.reject(new Error('database away'));
  for (const w of waiting) await assert.rejects(w, /database away/);
  assert.equal((await cache.get(['tickets'], t, async () => tile(3))).raw.length, 3);
});

test('a tile is dropped when the clock reaches its expiry', async () => {
  let now = 1_000;
  const cache = new TileCache({ maxBytes: 1 << 20, now: () => now });
  const t = { z: 14, x: 1, y: 1 };
  let renders = 0;
  const render = async () => { renders++; return tile(5, 2_000); };
  await cache.get(['tickets'], t, render);
  now = 1_999;
  await cache.get(['tickets'], t, render);
  assert.equal(renders, 1);
  now = 2_000;
  await cache.get(['tickets'], t, render);
  assert.equal(renders, 2);
});

test('clearing drops every tile and every computation under way', async () => {
  const cache = new TileCache({ maxBytes: 1 << 20, now: () => 0 });
  await cache.get(['streets'], { z: 12, x: 1, y: 1 }, async () => tile(10));
  const gate = deferred<CachedTile>();
  const pending = cache.get(['tickets'], { z: 12, x: 2, y: 2 }, () => gate.promise);
  cache.clear();
  gate.resolve(tile(20));
  await pending;
  assert.deepEqual({ entries: cache.stats().entries, bytes: cache.stats().bytes }, { entries: 0, bytes: 0 });
});

test('invalidating a city-wide box at z22 walks the cached tiles, not the millions of tiles in it', async () => {
  const cache = new TileCache({ maxBytes: 1 << 24, now: () => 0 });
  const range = tilesTouching([36.1, 49.9, 36.5, 50.1], 22);
  assert.ok((range.maxX - range.minX + 1) * (range.maxY - range.minY + 1) > 1e7);
  await cache.get(['outages'], { z: 22, x: range.minX + 10, y: range.minY + 10 }, async () => tile(1));
  await cache.get(['outages'], { z: 22, x: range.maxX + 10, y: range.minY + 10 }, async () => tile(1));
  const started = performance.now();
  assert.equal(cache.invalidate(new Set(['outages']), range), 1);
  assert.ok(performance.now() - started < 50);
});
