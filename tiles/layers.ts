// The tile layers, registered by hand: each is an SQL file under sql/tiles/ that names every
// public property, a zoom range, and the tables whose changes redraw it. Nothing else is a
// layer, and nothing but these properties is ever in a tile.

export const OSM_ATTRIBUTION = '© OpenStreetMap contributors, ODbL';

export interface TileLayer {
  id: string;
  /** The named query of its rows: geom (3857), properties (jsonb), expires_at. */
  sql: string;
  /** Below zoom `below`, the rows come from this named query instead: a layer drawn one way
   *  from street level and another way further out (the tickets layer's clusters) gets two
   *  statements, each without the other's branch to plan and skip. */
  lowZoom?: { below: number; sql: string };
  /** Below minzoom the layer is empty (204); maxzoom is what TileJSON advertises, and clients
   *  overzoom past it, though tiles are served down to MAX_ZOOM for those that do not. */
  minzoom: number;
  maxzoom: number;
  description: string;
  /** Every property a feature may carry, with what it means (TileJSON vector_layers.fields). */
  fields: Record<string, string>;
  /** Tables whose row changes (NOTIFY misto_changes) change this layer's tiles, and how far
   *  past the changed row's bounding box, in degrees, the layer's features may reach. */
  changedBy: Record<string, number>;
  attribution?: string;
}

const TIME = 'UTC time, ISO 8601';

/**
 * The zoom from which the tickets layer shows each ticket instead of clusters (its lowZoom below).
 * At z14 a 512-pixel tile is about 1.6 km across at Kharkiv's latitude, a neighbourhood, and a
 * pixel about 3 m: a city taking 1,200–7,000 tickets a day has tens to a few hundred open ones
 * in such a tile, which stay readable as dots, and a dot lands on the right house. One zoom
 * out the tile is four times the area and the dots of one courtyard merge; so below z14 the
 * tile counts per 64-pixel cell instead, which also keeps low-zoom tiles small at millions of
 * tickets (64 features at most).
 */
export const TICKET_POINTS_FROM_ZOOM = 14;
const Z = TICKET_POINTS_FROM_ZOOM;

/** The named query of a layer's rows in tiles of zoom z. */
export function layerQuery(layer: TileLayer, z: number): string {
  return layer.lowZoom && z < layer.lowZoom.below ? layer.lowZoom.sql : layer.sql;
}

/** In drawing order: a tile of several layers lists them in this order, basemap first. */
export const LAYERS: readonly TileLayer[] = [
  {
    id: 'streets',
    sql: 'tiles/streets',
    minzoom: 11,
    maxzoom: 16,
    description: 'Street lines with their names',
    fields: { id: 'Number: street id', name: 'String: street name as OpenStreetMap Ukraine writes it' },
    changedBy: { streets: 0 },
    attribution: OSM_ATTRIBUTION,
  },
  {
    id: 'buildings',
    sql: 'tiles/buildings',
    minzoom: 14,
    maxzoom: 16,
    description: 'Footprints of buildings without an address',
    fields: { id: 'Number: building id', levels: 'Number: storeys, where known' },
    changedBy: { buildings: 0 },
    attribution: OSM_ATTRIBUTION,
  },
  {
    id: 'service_areas',
    sql: 'tiles/service_areas',
    minzoom: 8,
    maxzoom: 16,
    description: 'Which executor answers for which category where',
    fields: {
      id: 'Number: service area id',
      category: 'String: category code',
      executor: 'String: executor (organisation) code',
      name: 'String: name of the area',
    },
    changedBy: { service_areas: 0 },
  },
  {
    id: 'outages',
    sql: 'tiles/outages',
    minzoom: 0,
    maxzoom: 16,
    description: 'Zones of outages that are active or announced and not yet over',
    fields: {
      id: 'Number: outage id',
      utility: 'String: utility code (water, hot_water, heating, power, gas, sewer, telecom)',
      kind: 'String: planned or emergency',
      active: 'Boolean: the outage has started',
      starts_at: `String: start, ${TIME}`,
      ends_at: `String: expected end, ${TIME}; absent when unknown`,
      public_text: 'String: the public notice',
    },
    changedBy: { outages: 0 },
  },
  {
    id: 'addresses',
    sql: 'tiles/addresses',
    minzoom: 14,
    maxzoom: 16,
    description: 'Building addresses: footprints, or points where the footprint is not known',
    fields: {
      id: 'Number: address id',
      label: 'String: the address',
      house_number: 'String: house number',
      affected: 'Boolean: an active outage covers the address now',
    },
    // An outage's zone holds an address by its point; the footprint around that point may
    // reach past the zone's box into the next tile. 0.003° is more than 200 m either way.
    changedBy: { addresses: 0, outages: 0.003 },
    attribution: OSM_ATTRIBUTION,
  },
  {
    id: 'objects',
    sql: 'tiles/objects',
    // From street level, as addresses: a city of 500,000 objects puts some 40,000 in a z12 tile
    // (seconds to encode, a megabyte to send, and a solid blot at that scale) but about 2,500 in
    // a z14 tile, where an inspector can tell one manhole from the next.
    minzoom: 14,
    maxzoom: 16,
    description: 'Infrastructure objects by kind and ownership status',
    fields: {
      id: 'Number: object id',
      kind: 'String: object kind code (manhole, power_line, …)',
      utility: 'String: utility of the kind, where it has one',
      ownership_status: 'String: owned, disputed, ownerless or under_investigation',
    },
    changedBy: { objects: 0 },
  },
  {
    id: 'tickets',
    sql: 'tiles/tickets',
    lowZoom: { below: Z, sql: 'tiles/ticket_clusters' },
    minzoom: 0,
    maxzoom: 16,
    description: `Open tickets and tickets closed in the last 7 days: below z${Z} clusters with counts, from z${Z} each ticket`,
    fields: {
      id: `Number: ticket id (z${Z} and deeper)`,
      category: `String: category code (z${Z} and deeper)`,
      status: `String: status code (z${Z} and deeper)`,
      created_at: `String: when it was registered, ${TIME} (z${Z} and deeper)`,
      overdue: `Boolean: open and past its deadline (z${Z} and deeper)`,
      count: `Number: tickets in the cluster (below z${Z})`,
      open_count: `Number: of them open (below z${Z})`,
      done_count: `Number: of them done, awaiting confirmation (below z${Z})`,
      closed_count: `Number: of them closed in the last 7 days (below z${Z})`,
      overdue_count: `Number: of them overdue (below z${Z})`,
    },
    changedBy: { tickets: 0 },
  },
];

const byId = new Map(LAYERS.map((l) => [l.id, l]));

export function findLayer(id: string): TileLayer | undefined {
  return byId.get(id);
}

/** Layers in drawing order, duplicates removed; unknown ids are returned apart. */
export function resolveLayers(ids: readonly string[]): { layers: TileLayer[]; unknown: string[] } {
  const wanted = new Set(ids);
  const unknown = [...wanted].filter((id) => !byId.has(id));
  return { layers: LAYERS.filter((l) => wanted.has(l.id)), unknown };
}
