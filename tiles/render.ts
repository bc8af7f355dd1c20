// Renders one tile of one or more layers with a single database statement: PostGIS encodes
// it on a real server; on the embedded database, whose PostGIS lacks ST_AsMVT, the rows come
// back in tile coordinates and tiles/mvt-encode.ts encodes them.
import type { Queryable } from '../server/db/db.js';
import type { TileLayer } from './layers.js';
import { tileParams, tileStatement, type Encoder } from './sql.js';
import { EXTENT, type TileAddress } from './tile.js';
import { encodeTile, geometryFromWkb, type MvtLayer } from './mvt-encode.js';

export interface RenderedTile {
  /** The protobuf; empty when no layer has a feature in the tile. */
  bytes: Buffer;
  /** When the clock alone changes this tile (a deadline passes, an outage starts); null: never. */
  expiresAt: Date | null;
}

export function encoderFor(backend: 'postgres' | 'pglite'): Encoder {
  return backend === 'postgres' ? 'postgis' : 'node';
}

const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

function earliest(dates: (Date | null)[]): Date | null {
  let min: Date | null = null;
  for (const d of dates) if (d && (!min || d < min)) min = d;
  return min;
}

export async function renderTile(db: Queryable, layers: readonly TileLayer[], tile: TileAddress, now: Date, encoder: Encoder): Promise<RenderedTile> {
  const order = new Map(layers.map((l, i) => [l.id, i]));
  const rows = await db.sql<Record<string, unknown>>(tileStatement(layers, encoder, tile.z), tileParams(tile, now));
  if (encoder === 'postgis') {
    // One row per layer; UNION ALL may return them in any order.
    const parts = (rows as { layer: string; tile: Uint8Array; expires_at: Date | null }[])
      .sort((a, b) => (order.get(a.layer) ?? 0) - (order.get(b.layer) ?? 0));
    return {
      // Concatenated tiles are one tile: Tile.layers is a repeated field.
      bytes: Buffer.concat(parts.map((p) => asBuffer(p.tile))),
      expiresAt: earliest(parts.map((p) => p.expires_at)),
    };
  }
  const mvt: MvtLayer[] = layers.map((l) => ({ name: l.id, extent: EXTENT, features: [] }));
  const expires: (Date | null)[] = [];
  for (const row of rows as { layer: string; geom: Uint8Array; properties: Record<string, unknown>; expires_at: Date | null }[]) {
    const geometry = geometryFromWkb(row.geom);
    if (!geometry) continue;
    mvt[order.get(row.layer) ?? 0]?.features.push({ ...geometry, properties: row.properties });
    expires.push(row.expires_at);
  }
  return { bytes: asBuffer(encodeTile(mvt)), expiresAt: earliest(expires) };
}
