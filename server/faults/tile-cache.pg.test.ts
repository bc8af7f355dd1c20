// The tile cache filled far past its limit: it never holds more than its byte bound, and the process's memory stops growing with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { testDb } from '../testing/db.js';
import type { Db } from '../db/db.js';
import { createTileService } from '../../tiles/service.js';
import { resolveLayers } from '../../tiles/layers.js';
import { tileOf, type TileAddress } from '../../tiles/tile.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const MAX_BYTES = 512 * 1024;
// A district of small buildings 0.0004° apart: every tile at zoom 16 carries about a hundred footprints (3-5 kB).
const AREA: [number, number, number, number] = [36.2, 49.95, 36.3, 50.07];
const STEP = 0.0004;
const { layers: BUILDINGS } = resolveLayers(['buildings']);
let db: Db;

before(async () => {
  db = await testDb();
  // Bulk rows without their per-row triggers (audit, NOTIFY): no one listens, and 75,000 notifications in one transaction take minutes.
  await db.transaction(async (tx) => {
    await tx.sql("SELECT set_config('session_replication_role', 'replica', true)");
    await tx.sql(`
      INSERT INTO buildings (footprint, levels)
      SELECT ST_Multi(ST_MakeEnvelope(x, y, x + $step::float8 * 0.6, y + $step::float8 * 0.5, 4326)), 1 + (i + j) % 9
      FROM generate_series(0, floor(($e::float8 - $w::float8) / $step::float8)::int - 1) i,
           generate_series(0, floor(($n::float8 - $s::float8) / $step::float8)::int - 1) j,
           LATERAL (SELECT $w::float8 + i * $step::float8 AS x, $s::float8 + j * $step::float8 AS y) p`,
    { w: AREA[0], s: AREA[1], e: AREA[2], n: AREA[3], step: STEP });
  });
  await db.sql('ANALYZE buildings');
});
after(async () => { await db.close(); });

/** Every tile over the district at zoom z, row by row. */
function* districtTiles(z: number): Generator<TileAddress> {
  const [w, s, e, n] = AREA;
  const nw = tileOf(w, n, z);
  const se = tileOf(e, s, z);
  for (let y = nw.y; y <= se.y; y++) for (let x = nw.x; x <= se.x; x++) yield { z, x, y };
}

function memory(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

test('filled with ten times its limit in tiles, the cache holds at most its byte bound and memory stays flat once it is full', async (t) => {
  const service = createTileService({ db, maxBytes: MAX_BYTES });
  const tiles = [...districtTiles(16)];
  let rendered = 0;
  let renderedWhenFull = 0;
  let full: number | undefined;
  let highest = 0;
  // Row by row, twice: least recently used goes first, so on the second pass every tile is a miss again.
  for (const [i, tile] of [...tiles, ...tiles].entries()) {
    const got = await service.get(BUILDINGS, tile);
    rendered += got.raw.length + (got.gzip?.length ?? 0);
    const stats = service.stats();
    assert.ok(stats.bytes <= MAX_BYTES, `the cache holds ${stats.bytes} bytes, over its ${MAX_BYTES}`);
    if (full === undefined && stats.evicted > 0) {
      full = memory();
      renderedWhenFull = rendered;
    } else if (full !== undefined && i % 200 === 0) highest = Math.max(highest, memory());
  }
  const stats = service.stats();
  highest = Math.max(highest, memory());
  const grew = highest - full!;
  t.diagnostic(`${stats.renders} tiles rendered, ${(rendered / 1048576).toFixed(1)} MiB; the cache: ${stats.entries} entries, ${(stats.bytes / 1048576).toFixed(2)} MiB, ${stats.evicted} evicted; heap + buffers moved ${(grew / 1048576).toFixed(2)} MiB while ${((rendered - renderedWhenFull) / 1048576).toFixed(1)} MiB more went through the full cache`);
  assert.equal(stats.renders, 2 * tiles.length, 'every request of the second pass was a miss');
  assert.ok(rendered > 10 * MAX_BYTES, `only ${rendered} bytes of tiles went through the cache`);
  assert.ok(stats.bytes > MAX_BYTES * 0.9, 'the cache was used up to its bound');
  // Were evicted tiles kept anywhere, memory would grow by about what went through the full cache
  // (about 7 MiB); the heap's own noise is a fraction of a MiB.
  const through = rendered - renderedWhenFull;
  assert.ok(through > 8 * MAX_BYTES, `only ${through} bytes went through the full cache`);
  assert.ok(grew < through / 3, `memory grew by ${grew} bytes while ${through} went through the full cache`);
});

test('a tile larger than the whole cache is served but not kept', async () => {
  const tiny = createTileService({ db, maxBytes: 64 });
  const [tile] = districtTiles(16);
  const first = await tiny.get(BUILDINGS, tile!);
  assert.ok(first.raw.length > 64);
  await tiny.get(BUILDINGS, tile!);
  const stats = tiny.stats();
  assert.equal(stats.entries, 0);
  assert.equal(stats.bytes, 0);
  assert.equal(stats.renders, 2, 'not cached: rendered again');
});
