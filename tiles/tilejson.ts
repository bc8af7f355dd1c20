// TileJSON 3.0.0 for one layer or a set of layers served as one source.
import { MAX_ZOOM } from './tile.js';
import type { TileLayer } from './layers.js';

export interface TileJson {
  tilejson: '3.0.0';
  name: string;
  description: string;
  version: string;
  scheme: 'xyz';
  tiles: string[];
  minzoom: number;
  maxzoom: number;
  bounds: [number, number, number, number];
  center?: [number, number, number];
  attribution?: string;
  vector_layers: { id: string; description: string; minzoom: number; maxzoom: number; fields: Record<string, string> }[];
}

// The whole Web Mercator world. Live layers gain rows anywhere at any time, and a client keeps
// the bounds it read once: narrower bounds would hide a new ticket outside them until reload.
const WORLD: [number, number, number, number] = [-180, -85.0511287798066, 180, 85.0511287798066];

/** The source name as it appears in URLs: the layer ids joined by commas, in registry order. */
export function sourceName(layers: readonly TileLayer[]): string {
  return layers.map((l) => l.id).join(',');
}

export function tileUrl(origin: string, layers: readonly TileLayer[]): string {
  return `${origin}/tiles/${sourceName(layers)}/{z}/{x}/{y}.mvt`;
}

export function tileJson(origin: string, layers: readonly TileLayer[], centre?: [number, number]): TileJson {
  const attributions = [...new Set(layers.map((l) => l.attribution).filter((a): a is string => Boolean(a)))];
  return {
    tilejson: '3.0.0',
    name: sourceName(layers),
    description: layers.map((l) => l.description).join('; '),
    version: '1.0.0',
    scheme: 'xyz',
    tiles: [tileUrl(origin, layers)],
    minzoom: Math.min(...layers.map((l) => l.minzoom)),
    maxzoom: Math.min(MAX_ZOOM, Math.max(...layers.map((l) => l.maxzoom))),
    bounds: WORLD,
    ...(centre ? { center: [centre[0], centre[1], 13] as [number, number, number] } : {}),
    ...(attributions.length > 0 ? { attribution: attributions.join('; ') } : {}),
    vector_layers: layers.map((l) => ({ id: l.id, description: l.description, minzoom: l.minzoom, maxzoom: l.maxzoom, fields: { ...l.fields } })),
  };
}
