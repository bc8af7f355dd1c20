// How map components find their map: Map.svelte puts it in the Svelte context once it has loaded.
import { getContext, setContext } from 'svelte';
import type { Map as MapLibreMap } from 'maplibre-gl';

const KEY = Symbol('misto-map');

export interface MapContext {
  map: MapLibreMap;
  /** Bumps after a source's tiles were replaced (live refresh), for components that re-query features. */
  version: { value: number };
}

export function setMapContext(ctx: () => MapContext | null) {
  setContext(KEY, ctx);
}

export function getMap(): MapLibreMap {
  const ctx = (getContext(KEY) as (() => MapContext | null) | undefined)?.();
  if (!ctx) throw new Error('a map layer component must be inside <Map> (it renders children after load)');
  return ctx.map;
}

/** The demo city (Saltivka, Kharkiv) when the style does not say where to look. */
export const DEFAULT_CENTER: [number, number] = [36.358, 50.035];
export const DEFAULT_ZOOM = 14;

export type LngLat = [number, number];

/**
 * The id of the vector source that serves tile layer `layer` (/tiles/{layer}/…), adding one when
 * the server's style has none, and removing the style's own drawing of it: the app's map
 * components draw these layers themselves.
 */
export function sourceFor(map: MapLibreMap, layer: string, opts: { removeStyleLayers?: boolean } = {}): string {
  const style = map.getStyle();
  const drawing = style.layers.filter((l) => 'source-layer' in l && l['source-layer'] === layer);
  let id = drawing[0] && 'source' in drawing[0] ? String(drawing[0].source) : undefined;
  if (!id) {
    id = Object.entries(style.sources).find(([, s]) => (s as { tiles?: string[] }).tiles?.some((u) => u.includes(`/tiles/${layer}/`)))?.[0];
  }
  if (!id) {
    id = `misto-${layer}`;
    if (!map.getSource(id)) {
      map.addSource(id, {
        type: 'vector',
        tiles: [`${location.origin}/tiles/${layer}/{z}/{x}/{y}.mvt`],
        minzoom: 0,
        maxzoom: 16,
      });
    }
  }
  if (opts.removeStyleLayers !== false) {
    for (const l of drawing) if (!l.id.startsWith('misto-') && map.getLayer(l.id)) map.removeLayer(l.id);
  }
  return id;
}

/** Removes the given layers (and nothing else) when a component goes away. */
export function removeLayers(map: MapLibreMap, ids: string[]) {
  if (!map.style) return;
  for (const id of ids) if (map.getLayer(id)) map.removeLayer(id);
}

/** What the public map shows of the tickets. */
export interface TicketFilter {
  categories: string[];
  status: 'all' | 'open' | 'closed' | 'overdue';
  /** ISO time: only tickets registered since then. */
  since: string | null;
}
