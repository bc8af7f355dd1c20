// The Node MVT encoder: what it writes decodes with @mapbox/vector-tile to the same geometry and
// properties, byte for byte as PostGIS writes a small tile, and WKB is read in either byte order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { encodeTile, encodeGeometry, geometryFromWkb, POINT, LINESTRING, POLYGON, type MvtFeature, type Position } from './mvt-encode.js';

const decode = (bytes: Uint8Array) => new VectorTile(new PbfReader(bytes));
const xy = (rings: { x: number; y: number }[][]) => rings.map((r) => r.map((p) => [p.x, p.y]));

test('a one-point tile is byte for byte what ST_AsMVT writes for it', () => {
  // SELECT ST_AsMVT(q, 'x', 4096, 'geom') FROM (SELECT ST_AsMVTGeom(ST_Point(1, 1, 3857),
  //   ST_MakeEnvelope(0, 0, 4096, 4096, 3857)) AS geom, '{"a": 1}'::jsonb AS p) q  -- PostGIS 3.3
  const postgis = Buffer.from('1a1d0a0178120c12020000180122040902fe3f1a0161220228012880207802', 'hex');
  const ours = encodeTile([{ name: 'x', extent: 4096, features: [{ type: POINT, parts: [[[1, 4095]]], properties: { a: 1 } }] }]);
  assert.equal(Buffer.from(ours).toString('hex'), postgis.toString('hex'));
});

test('points, lines and polygons with holes decode to the positions they were given', () => {
  const features: MvtFeature[] = [
    { type: POINT, parts: [[[10, 20]]], properties: { kind: 'one' } },
    { type: POINT, parts: [[[1, 2]], [[4000, 4090]]], properties: { kind: 'multi' } },
    { type: LINESTRING, parts: [[[0, 0], [100, 50], [-64, 4160]]], properties: { kind: 'line' } },
    { type: LINESTRING, parts: [[[0, 0], [5, 5]], [[10, 10], [20, 0]]], properties: { kind: 'lines' } },
    { type: POLYGON, parts: [[[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]], [[10, 10], [10, 20], [20, 20], [20, 10], [10, 10]]], properties: { kind: 'holed' } },
  ];
  const layer = decode(encodeTile([{ name: 'things', extent: 4096, features }])).layers.things!;
  assert.equal(layer.length, features.length);
  assert.equal(layer.extent, 4096);
  assert.equal(layer.version, 2);
  for (let i = 0; i < features.length; i++) {
    const f = layer.feature(i);
    const want = features[i]!;
    assert.equal(f.type, want.type);
    assert.deepEqual({ ...f.properties }, want.properties);
    const got = xy(f.loadGeometry());
    if (want.type === POINT) assert.deepEqual(got.flat(), want.parts.flat());
    else assert.deepEqual(got, want.parts);
  }
});

test('property values keep their types; nulls, objects and arrays are left out as ST_AsMVT does', () => {
  const properties = { s: 'текст', t: true, f: false, u: 7, n: -3, d: 2.5, big: 2 ** 40, none: null, obj: { a: 1 }, arr: [1] };
  const f = decode(encodeTile([{ name: 'l', extent: 4096, features: [{ type: POINT, parts: [[[1, 1]]], properties }] }])).layers.l!.feature(0);
  assert.deepEqual({ ...f.properties }, { s: 'текст', t: true, f: false, u: 7, n: -3, d: 2.5, big: 2 ** 40 });
});

test('keys and values shared by features are written once', () => {
  const features: MvtFeature[] = Array.from({ length: 50 }, (_, i) => ({ type: POINT, parts: [[[i, i]]], properties: { status: 'new', overdue: false } }));
  const bytes = Buffer.from(encodeTile([{ name: 'l', extent: 4096, features }]));
  assert.equal(bytes.toString('latin1').split('status').length - 1, 1);
  assert.equal(bytes.toString('latin1').split('new').length - 1, 1);
  const layer = decode(bytes).layers.l!;
  assert.equal(layer.length, 50);
  assert.deepEqual({ ...layer.feature(49).properties }, { status: 'new', overdue: false });
});

test('a layer with no feature is left out and a tile with none is empty', () => {
  assert.equal(encodeTile([]).length, 0);
  assert.equal(encodeTile([{ name: 'empty', extent: 4096, features: [] }]).length, 0);
  const tile = decode(encodeTile([
    { name: 'empty', extent: 4096, features: [] },
    { name: 'full', extent: 4096, features: [{ type: POINT, parts: [[[1, 1]]], properties: {} }] },
  ]));
  assert.deepEqual(Object.keys(tile.layers), ['full']);
});

test('the command stream carries the cursor over parts and leaves out the closing point', () => {
  // MoveTo(1) +1,+1, LineTo(2) +2,0 0,+2, ClosePath; the hole starts -1,-1 from (3,3), the last vertex.
  const cmds = encodeGeometry({ type: POLYGON, parts: [[[1, 1], [3, 1], [3, 3], [1, 1]], [[2, 2], [2, 3], [3, 3], [2, 2]]] });
  assert.deepEqual(cmds, [9, 2, 2, 18, 4, 0, 0, 4, 15, 9, 1, 1, 18, 0, 2, 2, 0, 15]);
});

/** A minimal WKB writer for the tests, in either byte order. */
function wkb(type: number, body: (w: (kind: 'u32' | 'f64', v: number) => void) => void, little = true): Uint8Array {
  const parts: number[][] = [];
  const write = (kind: 'u32' | 'f64', v: number) => {
    const b = new DataView(new ArrayBuffer(kind === 'u32' ? 4 : 8));
    if (kind === 'u32') b.setUint32(0, v, little); else b.setFloat64(0, v, little);
    parts.push([...new Uint8Array(b.buffer)]);
  };
  parts.push([little ? 1 : 0]);
  write('u32', type);
  body(write);
  return Uint8Array.from(parts.flat());
}

test('WKB polygons, multipoints and collections are read in either byte order', () => {
  for (const little of [true, false]) {
    const ring: Position[] = [[0, 0], [10, 0], [10, 10], [0, 0]];
    const poly = wkb(3, (w) => { w('u32', 1); w('u32', ring.length); for (const [x, y] of ring) { w('f64', x); w('f64', y); } }, little);
    assert.deepEqual(geometryFromWkb(poly), { type: POLYGON, parts: [ring] });
    const point = (x: number, y: number) => [...wkb(1, (w) => { w('f64', x); w('f64', y); }, little)];
    const multi = Uint8Array.from([...wkb(4, (w) => w('u32', 2), little), ...point(1, 2), ...point(3, 4)]);
    assert.deepEqual(geometryFromWkb(multi), { type: POINT, parts: [[[1, 2]], [[3, 4]]] });
    // A collection is drawn as its highest dimension, as ST_AsMVTGeom does.
    const collection = Uint8Array.from([...wkb(7, (w) => w('u32', 2), little), ...point(1, 2), ...poly]);
    assert.deepEqual(geometryFromWkb(collection), { type: POLYGON, parts: [ring] });
  }
  assert.throws(() => geometryFromWkb(wkb(1001, (w) => { w('f64', 1); w('f64', 2); w('f64', 3); })), /not a 2D/);
});

test('any set of lines survives encoding and decoding unchanged', () => {
  const coord = fc.integer({ min: -64, max: 4160 });
  const line = fc.array(fc.tuple(coord, coord), { minLength: 2, maxLength: 20 });
  fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (lines) => {
    const parts = lines.map((l) => l.map(([x, y]) => [x, y] as Position));
    const f = decode(encodeTile([{ name: 'l', extent: 4096, features: [{ type: LINESTRING, parts, properties: {} }] }])).layers.l!.feature(0);
    assert.deepEqual(xy(f.loadGeometry()), parts);
  }));
});
