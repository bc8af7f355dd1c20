// The one place where a tile statement is composed. A tile of any number of layers is ONE
// statement: the bounds CTE (sql/tiles/bounds.sql), then for each layer the encoder's block
// (sql/tiles/encode_postgis.sql or encode_node.sql) with two things filled in — the layer's id,
// a registry constant, and the layer's rows, the text of its query under sql/tiles/ for the
// tile's zoom — joined by UNION ALL. Nothing from a request is ever put into the text: z, x,
// y and now are parameters (the zoom only chooses among the registered queries).
// The benchmark runs tileQuery() straight through the driver to get the same SQL.
import { loadQuery } from '../server/db/queries.js';
import { toPositional } from '../server/db/named.js';
import { layerQuery, type TileLayer } from './layers.js';
import type { TileAddress } from './tile.js';

/** Who encodes the protobuf: PostGIS's ST_AsMVT, or tiles/mvt-encode.ts over misto_tile_geom. */
export type Encoder = 'postgis' | 'node';

const LAYER_ID = /^[a-z_]+$/;
const composed = new Map<string, string>();

function fill(template: string, layer: TileLayer, z: number): string {
  if (!LAYER_ID.test(layer.id)) throw new Error(`not a layer id: ${layer.id}`);
  const rows = loadQuery(layerQuery(layer, z)).trimEnd().replace(/;$/, '');
  if (template.split('{{rows}}').length !== 2) throw new Error('an encoder template takes the rows in exactly one place');
  return template.replaceAll('{{layer}}', layer.id).replace('{{rows}}', () => rows);
}

/** The statement for these layers at zoom z; its parameters are $z, $x, $y and $now. */
export function tileStatement(layers: readonly TileLayer[], encoder: Encoder, z: number): string {
  if (layers.length === 0) throw new Error('a tile statement needs at least one layer');
  const key = `${encoder}:${layers.map((l) => layerQuery(l, z)).join(',')}`;
  let text = composed.get(key);
  if (text === undefined) {
    const template = loadQuery(`tiles/encode_${encoder}`);
    const blocks = layers.map((layer) => `(\n${fill(template, layer, z)}\n)`);
    text = `WITH bounds AS NOT MATERIALIZED (\n${loadQuery('tiles/bounds')}\n)\n${blocks.join('\nUNION ALL\n')}`;
    composed.set(key, text);
  }
  return text;
}

export function tileParams(tile: TileAddress, now: Date): { z: number; x: number; y: number; now: Date } {
  return { z: tile.z, x: tile.x, y: tile.y, now };
}

/** The tile statement with positional parameters, as a driver takes it. */
export function tileQuery(layers: readonly TileLayer[], encoder: Encoder, tile: TileAddress, now: Date): { text: string; values: unknown[] } {
  return toPositional(tileStatement(layers, encoder, tile.z), tileParams(tile, now), `tile ${layers.map((l) => l.id).join(',')}`);
}
