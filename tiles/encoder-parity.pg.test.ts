// The two tile paths give the same tile: on a real PostGIS, ST_AsMVT over ST_AsMVTGeom and the
// Node encoder over misto_tile_geom (the embedded database's path) are run on the same rows and
// decoded with @mapbox/vector-tile: same layers, features and properties; points at the same
// positions, lines and polygons within one tile unit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../server/testing/db.js';
import type { Db } from '../server/db/db.js';
import { makeTileCity, addTicket, boxWkt, type TileCity } from '../server/testing/factories/tiles.js';
import { LAYERS } from './layers.js';
import { renderTile } from './render.js';
import { tilesTouching, type TileAddress } from './tile.js';
import { decodeTile, type DecodedFeature } from './testing.js';

let db: Db;
let city: TileCity;
const now = new Date('2026-11-23T09:00:00Z');

before(async () => {
  db = await testDb();
  city = await makeTileCity(db, now);
  // Shapes that make clipping and repair work: a ring with a hole, a zone in two parts, a
  // polygon with hundreds of vertices across many tiles, long lines, and a crowd of tickets.
  const executor = (await db.sql<{ id: number }>("SELECT id FROM organisations WHERE code = 'tiles-vodokanal'"))[0]!.id;
  await db.sql(`INSERT INTO service_areas (executor_id, category_code, name, geom) VALUES
    ($executor, 'tiles_street_light', 'З отвором', ST_Multi(ST_Difference(ST_MakeEnvelope(36.336, 50.021, 36.352, 50.033, 4326), ST_MakeEnvelope(36.340, 50.025, 36.346, 50.029, 4326)))),
    ($executor, 'tiles_water_leak', 'Зубчаста', ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(36.35, 50.03), 4326), 0.02, 128)))`, { executor });
  await db.sql(`INSERT INTO outages (utility, kind, executor_id, status, starts_at, ends_at, public_text, zone_source, zone)
    VALUES ('heating', 'emergency', $executor, 'active', $starts, NULL, 'Дві частини', 'polygon', $zone::geometry)`,
  { executor, starts: new Date(now.getTime() - 3_600_000), zone: boxWkt(36.3575, 50.0310, 36.3590, 50.0330).replace(')))', ')),((36.3600 50.0310,36.3620 50.0310,36.3620 50.0330,36.3600 50.0330,36.3600 50.0310)))') });
  await db.sql(`INSERT INTO objects (kind, geom, ownership_status) VALUES
    ('water_line', ST_SetSRID(ST_MakeLine(ARRAY[ST_MakePoint(36.30, 50.00), ST_MakePoint(36.345, 50.0301), ST_MakePoint(36.3451, 50.03011), ST_MakePoint(36.40, 50.06)]), 4326), 'under_investigation'),
    ('gas_line', 'SRID=4326;LINESTRING(36.3400 50.0200,36.3400 50.0400,36.3600 50.0400)', 'ownerless')`);
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const statuses = ['new', 'accepted', 'in_progress', 'needs_info', 'reopened', 'done'];
  for (let i = 0; i < 150; i++) {
    await addTicket(db, now, {
      at: [36.32 + random() * 0.06, 50.01 + random() * 0.04],
      status: statuses[i % statuses.length]!,
      dueInHours: random() * 96 - 48,
      createdHoursAgo: 50,
    });
  }
});
after(async () => { await db.close(); });

function tilesAround(z: number): TileAddress[] {
  const r = tilesTouching([36.33, 50.02, 36.37, 50.04], z, 0);
  const out: TileAddress[] = [];
  for (let x = r.minX; x <= r.maxX && out.length < 12; x++) for (let y = r.minY; y <= r.maxY && out.length < 12; y++) out.push({ z, x, y });
  return out;
}

type P = [number, number];
function distanceToSegment(p: P, a: P, b: P): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const len = dx * dx + dy * dy;
  const t = len === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** The largest distance from a vertex of one geometry to the lines of the other, both ways. */
function hausdorff(a: P[][], b: P[][]): number {
  const oneWay = (from: P[][], to: P[][]) => Math.max(0, ...from.flat().map((p) => Math.min(...to.flatMap((part) =>
    part.length === 1 ? [Math.hypot(p[0] - part[0]![0], p[1] - part[0]![1])] : part.slice(1).map((q, i) => distanceToSegment(p, part[i]!, q))))));
  return Math.max(oneWay(a, b), oneWay(b, a));
}

function signedArea(ring: P[]): number {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
  return s / 2;
}

function assertSameFeature(pg: DecodedFeature, node: DecodedFeature, where: string) {
  assert.deepEqual(node.properties, pg.properties, `${where}: properties`);
  assert.equal(node.type, pg.type, `${where}: geometry type`);
  if (pg.type === 1) {
    const sort = (g: P[][]) => g.flat().map((p) => p.join(',')).sort();
    assert.deepEqual(sort(node.geometry), sort(pg.geometry), `${where}: points`);
    return;
  }
  const d = hausdorff(pg.geometry, node.geometry);
  assert.ok(d <= 1, `${where}: geometries differ by ${d.toFixed(2)} units`);
  if (pg.type === 3) {
    // Same rings, each exterior turning the way the first ring of the feature does (MVT 4.3.4.4).
    assert.equal(node.geometry.length, pg.geometry.length, `${where}: rings`);
    const outer = (g: P[][]) => g.filter((r) => Math.sign(signedArea(r)) === Math.sign(signedArea(g[0]!))).length;
    assert.equal(outer(node.geometry), outer(pg.geometry), `${where}: polygons`);
    assert.ok(signedArea(pg.geometry[0]!) > 0 && signedArea(node.geometry[0]!) > 0, `${where}: exterior rings have positive area in tile coordinates`);
  }
}

test('every layer gives the same features through ST_AsMVT and through the Node encoder', async () => {
  assert.equal(db.backend, 'postgres');
  let compared = 0;
  const seen = new Set<string>();
  for (let z = 0; z <= 18; z++) {
    for (const tile of tilesAround(z)) {
      const [pg, node] = await Promise.all([renderTile(db, LAYERS, tile, now, 'postgis'), renderTile(db, LAYERS, tile, now, 'node')]);
      assert.equal(node.expiresAt?.getTime(), pg.expiresAt?.getTime(), `z${z}: expiry`);
      const a = decodeTile(pg.bytes);
      const b = decodeTile(node.bytes);
      assert.deepEqual(Object.keys(b), Object.keys(a), `${z}/${tile.x}/${tile.y}: layers`);
      for (const [name, features] of Object.entries(a)) {
        const where = `${name} ${z}/${tile.x}/${tile.y}`;
        assert.equal(b[name]!.length, features.length, `${where}: features`);
        features.forEach((f, i) => {
          assertSameFeature(f, b[name]![i]!, `${where} #${i}`);
        });
        compared += features.length;
        seen.add(name);
      }
    }
  }
  assert.deepEqual([...seen].sort(), LAYERS.map((l) => l.id).sort(), 'every layer was compared');
  assert.ok(compared > 500, `${compared} features compared`);
  void city;
});

test('a tile of one layer is the same through both paths as that layer within a tile of all layers', async () => {
  const tile = tilesAround(14)[0]!;
  for (const layer of LAYERS) {
    const [pg, node] = await Promise.all([renderTile(db, [layer], tile, now, 'postgis'), renderTile(db, [layer], tile, now, 'node')]);
    const all = decodeTile((await renderTile(db, LAYERS, tile, now, 'postgis')).bytes);
    assert.deepEqual(decodeTile(pg.bytes)[layer.id] ?? [], all[layer.id] ?? []);
    assert.equal((decodeTile(node.bytes)[layer.id] ?? []).length, (all[layer.id] ?? []).length);
  }
});
