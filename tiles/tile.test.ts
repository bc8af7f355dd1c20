// Tile addresses, tile math and the HTTP details of tiles (codings, validators, freshness), without a database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Problem } from '../server/http/problem.js';
import { parseTileAddress, tileOf, tilesTouching, tileCoordinates, worldX, worldY, MAX_ZOOM, EXTENT, BUFFER } from './tile.js';
import { cacheControl, matchesIfNoneMatch, negotiateEncoding } from './routes.js';
import { changedAreas, layersAffectedBy, tileRangesFor } from './invalidation.js';

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof Problem, `expected a problem, got ${String(err)}`);
    assert.equal(err.status, 400);
    return (err.errors ?? []).map((e) => e.field);
  }
  assert.fail('expected the address to be refused');
}

test('a tile address is z, x and y.mvt or y.pbf within 2^z', () => {
  assert.deepEqual(parseTileAddress('0', '0', '0.mvt'), { z: 0, x: 0, y: 0 });
  assert.deepEqual(parseTileAddress('14', '9846', '5555.pbf'), { z: 14, x: 9846, y: 5555 });
  assert.deepEqual(parseTileAddress('22', String(2 ** 22 - 1), `${2 ** 22 - 1}.mvt`), { z: 22, x: 2 ** 22 - 1, y: 2 ** 22 - 1 });
});

test('negative, fractional, signed, exponent and oversized parts are refused naming the part', () => {
  assert.deepEqual(fieldsOf(() => parseTileAddress('-1', '0', '0.mvt')), ['z']);
  assert.deepEqual(fieldsOf(() => parseTileAddress('1.5', '0', '0.mvt')), ['z']);
  assert.deepEqual(fieldsOf(() => parseTileAddress('23', '0', '0.mvt')), ['z']);
  assert.deepEqual(fieldsOf(() => parseTileAddress('1e1', '0', '0.mvt')), ['z']);
  assert.deepEqual(fieldsOf(() => parseTileAddress('+3', '0', '0.mvt')), ['z']);
  assert.deepEqual(fieldsOf(() => parseTileAddress('3', '-1', '0.mvt')), ['x']);
  assert.deepEqual(fieldsOf(() => parseTileAddress('3', '8', '0.mvt')), ['x']);
  assert.deepEqual(fieldsOf(() => parseTileAddress('3', '0', '8.mvt')), ['y']);
  assert.deepEqual(fieldsOf(() => parseTileAddress('3', '0', '1.5.mvt')), ['y']);
  assert.deepEqual(fieldsOf(() => parseTileAddress('3', '0', '1.png')), ['y']);
  assert.deepEqual(fieldsOf(() => parseTileAddress('3', '0', '1')), ['y']);
  assert.deepEqual(fieldsOf(() => parseTileAddress('99999999999999999999', 'x', "1.mvt' OR 1=1")), ['z', 'x', 'y']);
  assert.deepEqual(fieldsOf(() => parseTileAddress('0', '1', '1.mvt')), ['x', 'y']);
});

test('any string is either a valid address or a 400, never anything else', () => {
  fc.assert(fc.property(fc.string(), fc.string(), fc.string(), (z, x, y) => {
    try {
      const t = parseTileAddress(z, x, y);
      assert.ok(t.z >= 0 && t.z <= MAX_ZOOM && t.x >= 0 && t.x < 2 ** t.z && t.y >= 0 && t.y < 2 ** t.z);
    } catch (err) {
      assert.ok(err instanceof Problem && err.status === 400);
    }
  }));
});

test('the tile math agrees with known tiles of Kharkiv', () => {
  // Saltivka at z14 (worked by hand from the spherical Mercator formulas), and the world's edges.
  assert.deepEqual(tileOf(36.35, 50.03, 14), { z: 14, x: 9846, y: 5554 });
  assert.equal(worldX(-180), 0);
  assert.equal(worldX(180), 1);
  assert.ok(Math.abs(worldY(0) - 0.5) < 1e-12);
  assert.ok(worldY(89) === worldY(85.0511287798066));
  const [x, y] = tileCoordinates(36.35, 50.03, { z: 14, x: 9846, y: 5554 });
  assert.ok(x >= 0 && x < EXTENT && y >= 0 && y < EXTENT);
});

test('the tiles touching a point include its neighbours only when it lies in their buffer', () => {
  const t = tileOf(36.35, 50.03, 14);
  const inside = tilesTouching([36.35, 50.03, 36.35, 50.03], 14);
  const [px, py] = tileCoordinates(36.35, 50.03, t);
  const nearWest = px < BUFFER + 1;
  const nearNorth = py < BUFFER + 1;
  assert.equal(inside.minX, nearWest ? t.x - 1 : t.x);
  assert.equal(inside.minY, nearNorth ? t.y - 1 : t.y);
  assert.ok(inside.maxX >= t.x && inside.maxX <= t.x + 1);
  // A point exactly on a tile edge is drawn by both tiles.
  const edgeLon = (t.x / 2 ** 14) * 360 - 180;
  const edge = tilesTouching([edgeLon, 50.03, edgeLon, 50.03], 14);
  assert.equal(edge.minX, t.x - 1);
  assert.equal(edge.maxX, t.x);
});

test('a ticket change touches the tickets layer, an outage change the outages and addresses layers', () => {
  assert.deepEqual(layersAffectedBy({ table: 'tickets' }), ['tickets']);
  assert.deepEqual(layersAffectedBy({ table: 'outages' }).sort(), ['addresses', 'outages']);
  assert.deepEqual(layersAffectedBy({ table: 'ticket_contacts' }), []);
  const areas = changedAreas({ table: 'tickets', id: '1', op: 'update', old: [36.30, 50.00, 36.30, 50.00], new: [36.35, 50.03, 36.35, 50.03] });
  assert.equal(areas.length, 1);
  const ranges = tileRangesFor(areas[0]!);
  // Both boxes at every zoom from the layer's minzoom to the deepest served.
  assert.equal(ranges.length, 2 * (MAX_ZOOM + 1));
  for (const z of [0, 10, 14, 22]) {
    const atZ = ranges.filter((r) => r.z === z);
    const oldTile = tileOf(36.30, 50.00, z);
    const newTile = tileOf(36.35, 50.03, z);
    assert.ok(atZ.some((r) => r.minX <= oldTile.x && oldTile.x <= r.maxX && r.minY <= oldTile.y && oldTile.y <= r.maxY));
    assert.ok(atZ.some((r) => r.minX <= newTile.x && newTile.x <= r.maxX && r.minY <= newTile.y && newTile.y <= r.maxY));
  }
  const inserted = changedAreas({ table: 'outages', id: '1', op: 'insert', old: null, new: [36.3, 50.0, 36.31, 50.01] });
  const addresses = inserted.find((a) => a.layer.id === 'addresses')!;
  assert.ok(addresses.boxes[0]![0] < 36.3 && addresses.boxes[0]![3] > 50.01, 'footprints reach past the zone');
});

test('Accept-Encoding picks gzip when allowed, identity otherwise, and 406 only when both are refused', () => {
  assert.equal(negotiateEncoding(undefined), 'identity');
  assert.equal(negotiateEncoding('gzip, deflate, br'), 'gzip');
  assert.equal(negotiateEncoding('br;q=1.0, gzip;q=0.8, *;q=0.1'), 'gzip');
  assert.equal(negotiateEncoding('gzip;q=0'), 'identity');
  assert.equal(negotiateEncoding('*'), 'gzip');
  assert.equal(negotiateEncoding('identity'), 'identity');
  assert.equal(negotiateEncoding('x-gzip'), 'gzip');
  assert.equal(negotiateEncoding('gzip;q=0, identity;q=0'), undefined);
  assert.equal(negotiateEncoding('*;q=0'), undefined);
  assert.equal(negotiateEncoding('gzip;q=0, *;q=0'), undefined);
  assert.equal(negotiateEncoding('identity;q=0'), undefined);
  // Nonsense is ignored like an unknown coding.
  assert.equal(negotiateEncoding('gzip;q=banana'), 'identity');
  assert.equal(negotiateEncoding(';;;,,,==='), 'identity');
  assert.equal(negotiateEncoding('\u0000\u0001'), 'identity');
  assert.throws(() => negotiateEncoding('gzip,'.repeat(1000)), (err: unknown) => err instanceof Problem && err.status === 400);
});

test('If-None-Match matches the tile in either coding, weak or strong, and a star', () => {
  assert.ok(matchesIfNoneMatch('"abc"', 'abc'));
  assert.ok(matchesIfNoneMatch('"abc.gz"', 'abc'));
  assert.ok(matchesIfNoneMatch('W/"abc"', 'abc'));
  assert.ok(matchesIfNoneMatch('"x", "abc"', 'abc'));
  assert.ok(matchesIfNoneMatch('*', 'abc'));
  assert.ok(!matchesIfNoneMatch('"abd"', 'abc'));
  assert.ok(!matchesIfNoneMatch('abc', 'abc'));
  assert.ok(!matchesIfNoneMatch(undefined, 'abc'));
});

test('a shared cache may keep a tile 1 s and a browser must revalidate it, never past the moment the clock changes it', () => {
  assert.equal(cacheControl(null, 0), 'public, max-age=0, s-maxage=1');
  assert.equal(cacheControl(60_000, 0), 'public, max-age=0, s-maxage=1');
  assert.equal(cacheControl(61_500, 60_000), 'public, max-age=0, s-maxage=1');
  assert.equal(cacheControl(900, 0), 'public, max-age=0, s-maxage=0');
  assert.equal(cacheControl(0, 1_000), 'public, max-age=0, s-maxage=0');
});
