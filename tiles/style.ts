// The MapLibre style of the city map (/style.json): a basemap from our own streets and
// buildings (the centre's network reaches no external basemap), then service areas, outages
// by utility, objects by ownership status and tickets. There is no glyph server either, so the
// style draws no text: cluster counts show as circle size and colour, not as numbers.
import type { StyleSpecification, LayerSpecification, ExpressionSpecification } from '@maplibre/maplibre-gl-style-spec';
import { findLayer, type TileLayer } from './layers.js';
import { tileUrl } from './tilejson.js';

const UTILITY_COLOUR: ExpressionSpecification = ['match', ['get', 'utility'],
  'water', '#1e88e5', 'hot_water', '#e53935', 'heating', '#f4511e', 'power', '#f9a825',
  'gas', '#8e24aa', 'sewer', '#6d4c41', 'telecom', '#00897b', '#757575'];

const OWNERSHIP_COLOUR: ExpressionSpecification = ['match', ['get', 'ownership_status'],
  'owned', '#2e7d32', 'disputed', '#ef6c00', 'ownerless', '#c62828', 'under_investigation', '#757575', '#757575'];

const STATUS_COLOUR: ExpressionSpecification = ['match', ['get', 'status'],
  'new', '#1e88e5', 'accepted', '#3949ab', 'in_progress', '#fb8c00', 'needs_info', '#8e24aa',
  'reopened', '#e53935', 'done', '#43a047', 'closed', '#9e9e9e', '#607d8b'];

const OVERDUE_RED = '#d50000';

const isPolygon: ExpressionSpecification = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false];
const isLine: ExpressionSpecification = ['match', ['geometry-type'], ['LineString', 'MultiLineString'], true, false];
const isPoint: ExpressionSpecification = ['match', ['geometry-type'], ['Point', 'MultiPoint'], true, false];

function layer(id: string): TileLayer {
  const l = findLayer(id);
  if (!l) throw new Error(`the style names an unknown tile layer: ${id}`);
  return l;
}

/** The style; origin is where this server is reached ("https://misto.example.org"). */
export function buildStyle(origin: string, centre?: [number, number]): StyleSpecification {
  const source = (...ids: string[]) => {
    const layers = ids.map(layer);
    const attribution = [...new Set(layers.map((l) => l.attribution).filter(Boolean))].join('; ');
    return {
      type: 'vector' as const,
      // The tiles themselves, not a TileJSON url: the live map re-points a source's tiles (with
      // a version query) to refetch the tiles a change touched.
      tiles: [tileUrl(origin, layers)],
      minzoom: Math.min(...layers.map((l) => l.minzoom)),
      maxzoom: Math.max(...layers.map((l) => l.maxzoom)),
      ...(attribution ? { attribution } : {}),
    };
  };

  const layers: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': '#f4f1ea' } },
    {
      id: 'service-areas', type: 'line', source: 'service_areas', 'source-layer': 'service_areas', minzoom: 10,
      paint: { 'line-color': '#7986cb', 'line-width': 1, 'line-opacity': 0.6, 'line-dasharray': [4, 2] },
    },
    {
      id: 'buildings', type: 'fill', source: 'basemap', 'source-layer': 'buildings',
      paint: { 'fill-color': '#dcd6cc', 'fill-outline-color': '#c9c1b4' },
    },
    {
      id: 'addresses-footprint', type: 'fill', source: 'addresses', 'source-layer': 'addresses', filter: isPolygon,
      paint: {
        'fill-color': ['case', ['get', 'affected'], '#f8c9c4', '#d9d0c3'],
        'fill-outline-color': ['case', ['get', 'affected'], '#d9534f', '#c2b8a8'],
      },
    },
    {
      id: 'streets-casing', type: 'line', source: 'basemap', 'source-layer': 'streets',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#d8d2c6', 'line-width': ['interpolate', ['linear'], ['zoom'], 11, 1.5, 14, 6, 17, 18] },
    },
    {
      id: 'streets', type: 'line', source: 'basemap', 'source-layer': 'streets',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 11, 0.75, 14, 4, 17, 14] },
    },
    {
      id: 'outages-fill', type: 'fill', source: 'outages', 'source-layer': 'outages',
      paint: { 'fill-color': UTILITY_COLOUR, 'fill-opacity': ['case', ['get', 'active'], 0.35, 0.12] },
    },
    {
      id: 'outages-outline-active', type: 'line', source: 'outages', 'source-layer': 'outages',
      filter: ['==', ['get', 'active'], true],
      paint: { 'line-color': UTILITY_COLOUR, 'line-width': 2 },
    },
    {
      id: 'outages-outline-upcoming', type: 'line', source: 'outages', 'source-layer': 'outages',
      filter: ['==', ['get', 'active'], false],
      paint: { 'line-color': UTILITY_COLOUR, 'line-width': 1.5, 'line-dasharray': [3, 2] },
    },
    {
      id: 'addresses-point', type: 'circle', source: 'addresses', 'source-layer': 'addresses', filter: isPoint,
      paint: {
        'circle-radius': 3,
        'circle-color': ['case', ['get', 'affected'], '#d9534f', '#a1887f'],
        'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1,
      },
    },
    {
      id: 'objects-line', type: 'line', source: 'objects', 'source-layer': 'objects', filter: isLine,
      paint: { 'line-color': OWNERSHIP_COLOUR, 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 1, 17, 4] },
    },
    {
      id: 'objects-point', type: 'circle', source: 'objects', 'source-layer': 'objects', filter: isPoint,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, 2, 17, 6],
        'circle-color': OWNERSHIP_COLOUR,
        'circle-stroke-color': UTILITY_COLOUR, 'circle-stroke-width': 1.5,
      },
    },
    {
      // Clusters (below z14): the count is the circle's size; a cluster with overdue tickets
      // is red and ringed in red.
      id: 'tickets-cluster', type: 'circle', source: 'tickets', 'source-layer': 'tickets', filter: ['has', 'count'],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['get', 'count'], 1, 6, 10, 11, 100, 18, 1000, 28, 10000, 40],
        'circle-color': ['case', ['>', ['get', 'overdue_count'], 0], '#ef9a9a', '#90caf9'],
        'circle-opacity': 0.85,
        'circle-stroke-color': ['case', ['>', ['get', 'overdue_count'], 0], OVERDUE_RED, '#1e88e5'],
        'circle-stroke-width': 2,
      },
    },
    {
      id: 'tickets-point', type: 'circle', source: 'tickets', 'source-layer': 'tickets', filter: ['!', ['has', 'count']],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 14, 5, 18, 9],
        'circle-color': STATUS_COLOUR,
        'circle-stroke-color': ['case', ['get', 'overdue'], OVERDUE_RED, '#ffffff'],
        'circle-stroke-width': ['case', ['get', 'overdue'], 3, 1.5],
      },
    },
  ];

  return {
    version: 8,
    name: 'Misto',
    ...(centre ? { center: centre, zoom: 14 } : {}),
    sources: {
      basemap: source('streets', 'buildings'),
      service_areas: source('service_areas'),
      addresses: source('addresses'),
      outages: source('outages'),
      objects: source('objects'),
      tickets: source('tickets'),
    },
    layers,
  };
}
