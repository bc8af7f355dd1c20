// A Mapbox Vector Tile 2.1 encoder for the embedded database, whose PostGIS has no ST_AsMVT:
// it takes the rows misto_tile_geom made (WKB in tile coordinates, jsonb properties) and
// writes the same protobuf ST_AsMVT writes — field order, command stream and value types
// included — so both paths give the same tile.
import { PbfWriter } from 'pbf';

/** MVT geometry types (vector_tile.proto GeomType). */
export const POINT = 1;
export const LINESTRING = 2;
export const POLYGON = 3;
export type GeomType = typeof POINT | typeof LINESTRING | typeof POLYGON;

export type Position = [number, number];

/**
 * One feature in tile coordinates: for points one part of all its points; for lines one part
 * per line; for polygons one part per ring, each polygon's exterior ring before its holes,
 * rings closed (first position repeated last) as in WKB.
 */
export interface MvtFeature {
  type: GeomType;
  parts: Position[][];
  properties: Record<string, unknown>;
}

export interface MvtLayer {
  name: string;
  extent: number;
  features: MvtFeature[];
}

// Command ids and the parameter encoding of the MVT spec (4.3).
const MOVE_TO = 1;
const LINE_TO = 2;
const CLOSE_PATH = 7;
const command = (id: number, count: number) => (id & 0x7) | (count << 3);
const zigzag = (n: number) => ((n << 1) ^ (n >> 31)) >>> 0;

/** The geometry command stream of a feature; the cursor carries over from part to part. */
export function encodeGeometry(feature: Pick<MvtFeature, 'type' | 'parts'>): number[] {
  const out: number[] = [];
  let cx = 0;
  let cy = 0;
  const move = (p: Position) => {
    const x = Math.round(p[0]);
    const y = Math.round(p[1]);
    out.push(zigzag(x - cx), zigzag(y - cy));
    cx = x;
    cy = y;
  };
  if (feature.type === POINT) {
    const points = feature.parts.flat();
    if (points.length === 0) return out;
    out.push(command(MOVE_TO, points.length));
    for (const p of points) move(p);
    return out;
  }
  for (const part of feature.parts) {
    // A ring's closing position is implied by ClosePath.
    const positions = feature.type === POLYGON ? part.slice(0, -1) : part;
    if (positions.length < (feature.type === POLYGON ? 3 : 2)) continue;
    out.push(command(MOVE_TO, 1));
    move(positions[0] as Position);
    out.push(command(LINE_TO, positions.length - 1));
    for (let i = 1; i < positions.length; i++) move(positions[i] as Position);
    if (feature.type === POLYGON) out.push(command(CLOSE_PATH, 1));
  }
  return out;
}

type Value = { kind: 'string'; v: string } | { kind: 'bool'; v: boolean } | { kind: 'uint' | 'sint'; v: number } | { kind: 'double'; v: number };

/** A property value as ST_AsMVT encodes a jsonb value; undefined for what it leaves out. */
function toValue(v: unknown): Value | undefined {
  if (typeof v === 'string') return { kind: 'string', v };
  if (typeof v === 'boolean') return { kind: 'bool', v };
  if (typeof v === 'number' && Number.isFinite(v)) {
    if (Number.isInteger(v)) return { kind: v >= 0 ? 'uint' : 'sint', v };
    return { kind: 'double', v };
  }
  // null, nested objects and arrays: ST_AsMVT writes no tag for them either.
  return undefined;
}

function writeValue(value: Value, pbf: PbfWriter) {
  switch (value.kind) {
    case 'string': pbf.writeStringField(1, value.v); break;
    case 'double': pbf.writeDoubleField(3, value.v); break;
    case 'uint': pbf.writeVarintField(5, value.v); break;
    case 'sint': pbf.writeSVarintField(6, value.v); break;
    case 'bool': pbf.writeBooleanField(7, value.v); break;
  }
}

interface EncodedFeature {
  type: GeomType;
  tags: number[];
  geometry: number[];
}

function writeFeature(f: EncodedFeature, pbf: PbfWriter) {
  pbf.writePackedVarint(2, f.tags);
  pbf.writeVarintField(3, f.type);
  pbf.writePackedVarint(4, f.geometry);
}

interface EncodedLayer {
  name: string;
  extent: number;
  features: EncodedFeature[];
  keys: string[];
  values: Value[];
}

function writeLayer(layer: EncodedLayer, pbf: PbfWriter) {
  pbf.writeStringField(1, layer.name);
  for (const f of layer.features) pbf.writeMessage(2, writeFeature, f);
  for (const k of layer.keys) pbf.writeStringField(3, k);
  for (const v of layer.values) pbf.writeMessage(4, writeValue, v);
  pbf.writeVarintField(5, layer.extent);
  pbf.writeVarintField(15, 2);
}

function encodeLayer(layer: MvtLayer): EncodedLayer {
  const keys: string[] = [];
  const keyIndex = new Map<string, number>();
  const values: Value[] = [];
  const valueIndex = new Map<string, number>();
  const features: EncodedFeature[] = [];
  for (const feature of layer.features) {
    const geometry = encodeGeometry(feature);
    if (geometry.length === 0) continue;
    const tags: number[] = [];
    for (const [key, raw] of Object.entries(feature.properties)) {
      const value = toValue(raw);
      if (!value) continue;
      let k = keyIndex.get(key);
      if (k === undefined) {
        k = keys.push(key) - 1;
        keyIndex.set(key, k);
      }
      const id = `${value.kind}:${String(value.v)}`;
      let v = valueIndex.get(id);
      if (v === undefined) {
        v = values.push(value) - 1;
        valueIndex.set(id, v);
      }
      tags.push(k, v);
    }
    features.push({ type: feature.type, tags, geometry });
  }
  return { name: layer.name, extent: layer.extent, features, keys, values };
}

/** The tile: one MVT layer per given layer that has a feature; no bytes when none has. */
export function encodeTile(layers: MvtLayer[]): Uint8Array {
  const pbf = new PbfWriter();
  for (const layer of layers) {
    const encoded = encodeLayer(layer);
    if (encoded.features.length > 0) pbf.writeMessage(3, writeLayer, encoded);
  }
  return pbf.finish();
}

/**
 * Reads 2D WKB (as ST_AsBinary writes it) into an MVT geometry: points, lines and polygons
 * with their multi forms. A collection takes its highest dimension, as ST_AsMVTGeom does.
 */
export function geometryFromWkb(wkb: Uint8Array): Pick<MvtFeature, 'type' | 'parts'> | null {
  const view = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength);
  let pos = 0;
  const found: Record<GeomType, Position[][]> = { [POINT]: [], [LINESTRING]: [], [POLYGON]: [] };

  const readGeometry = () => {
    const little = view.getUint8(pos) === 1;
    pos += 1;
    const u32 = () => { const v = view.getUint32(pos, little); pos += 4; return v; };
    const f64 = () => { const v = view.getFloat64(pos, little); pos += 8; return v; };
    const positions = (n: number): Position[] => {
      const out: Position[] = [];
      for (let i = 0; i < n; i++) out.push([f64(), f64()]);
      return out;
    };
    const type = u32();
    switch (type) {
      case 1: {
        const p: Position = [f64(), f64()];
        // WKB writes an empty point as NaN coordinates.
        if (!Number.isNaN(p[0])) found[POINT].push([p]);
        break;
      }
      case 2: found[LINESTRING].push(positions(u32())); break;
      case 3: {
        const rings = u32();
        for (let r = 0; r < rings; r++) found[POLYGON].push(positions(u32()));
        break;
      }
      case 4: case 5: case 6: case 7: {
        const n = u32();
        for (let i = 0; i < n; i++) readGeometry();
        break;
      }
      default:
        throw new Error(`WKB geometry type ${type} is not a 2D point, line or polygon`);
    }
  };
  readGeometry();
  for (const type of [POLYGON, LINESTRING, POINT] as const) {
    if (found[type].length > 0) return { type, parts: found[type] };
  }
  return null;
}
