// Imports OpenStreetMap abandoned buildings (the Kyiv set, ODbL) into the ownerless register as objects of kind 'building'.
import { one, type Db } from '../db/db.js';
import { setActor } from '../db/actor.js';

export const ABANDONED_SOURCE = 'osm-kyiv-abandoned';

interface Feature {
  type?: unknown;
  id?: unknown;
  properties?: Record<string, unknown> | null;
  geometry?: { type?: unknown; coordinates?: unknown } | null;
}

export interface ImportResult {
  /** Features in the file. */
  features: number;
  /** New objects (each with its ownerless record and event); a re-import adds none. */
  inserted: number;
  /** Already there from an earlier import (same OSM id). */
  already_present: number;
  with_footprint: number;
  /** Features left out, with the reason. */
  skipped: { index: number; ref: string | null; reason: string }[];
}

const GEOMETRY_TYPES = new Set(['Polygon', 'MultiPolygon', 'LineString']);

function finitePositions(coords: unknown, depth: number): boolean {
  if (!Array.isArray(coords) || coords.length === 0) return false;
  if (depth === 0) {
    return coords.length >= 2 && coords.length <= 3 && coords.every((c) => typeof c === 'number' && Number.isFinite(c)) &&
      Math.abs(coords[0] as number) <= 180 && Math.abs(coords[1] as number) <= 90;
  }
  return coords.every((c) => finitePositions(c, depth - 1));
}

const DEPTH: Record<string, number> = { LineString: 1, Polygon: 2, MultiPolygon: 3 };

/** A YYYY-MM-DD survey date from the tags, if the mappers gave one. */
function surveyDate(tags: Record<string, unknown>): string | undefined {
  for (const key of ['check_date', 'survey:date', 'abandoned:date']) {
    const v = tags[key];
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))) return `${v}T00:00:00Z`;
  }
  return undefined;
}

function tagText(tags: Record<string, unknown>, key: string): string | undefined {
  const v = tags[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * Loads a GeoJSON FeatureCollection of abandoned buildings in one transaction. found_at is the
 * feature's survey date, else the export's timestamp (when the mappers knew it abandoned), else
 * `now`. Labels: the name, else the address. The OSM note and description go to the record's note.
 */
export async function importAbandonedBuildings(db: Db, geojson: unknown, opts: { now?: Date; source?: string } = {}): Promise<ImportResult> {
  const now = opts.now ?? new Date();
  const source = opts.source ?? ABANDONED_SOURCE;
  const collection = geojson as { type?: unknown; features?: unknown; timestamp?: unknown };
  if (!collection || collection.type !== 'FeatureCollection' || !Array.isArray(collection.features)) {
    throw new Error('not a GeoJSON FeatureCollection');
  }
  const exported = typeof collection.timestamp === 'string' && !Number.isNaN(Date.parse(collection.timestamp)) ? collection.timestamp : undefined;
  const skipped: ImportResult['skipped'] = [];
  const rows: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (const [index, f] of (collection.features as Feature[]).entries()) {
    const tags = (f?.properties && typeof f.properties === 'object' ? f.properties : {}) as Record<string, unknown>;
    const rawRef = f?.id ?? tags['@id'];
    const ref = typeof rawRef === 'string' || typeof rawRef === 'number' ? String(rawRef) : null;
    const g = f?.geometry;
    const type = typeof g?.type === 'string' ? g.type : '';
    if (!ref) {
      skipped.push({ index, ref, reason: 'no OSM id' });
      continue;
    }
    if (seen.has(ref)) {
      skipped.push({ index, ref, reason: 'the same OSM id twice in the file' });
      continue;
    }
    if (!GEOMETRY_TYPES.has(type) || !finitePositions(g?.coordinates, DEPTH[type]!)) {
      skipped.push({ index, ref, reason: `not a usable Polygon, MultiPolygon or LineString (${type || 'no geometry'})` });
      continue;
    }
    seen.add(ref);
    const street = tagText(tags, 'addr:street');
    const house = tagText(tags, 'addr:housenumber');
    const note = ['note', 'description', 'description_1', 'desc'].map((k) => tagText(tags, k)).filter(Boolean).join('\n');
    rows.push({
      ref,
      geometry: JSON.stringify(g),
      tags,
      label: tagText(tags, 'name') ?? (street ? [street, house].filter(Boolean).join(' ') : null),
      note: note || null,
      found_at: surveyDate(tags) ?? exported ?? now.toISOString(),
    });
  }
  const counts = await db.transaction(async (tx) => {
    await setActor(tx, `import:${source}`);
    return one<{ given: number; inserted: number; with_footprint: number }>(tx, 'ownership/import_abandoned', {
      features: JSON.stringify(rows), source, now,
    });
  });
  return {
    features: collection.features.length,
    inserted: counts.inserted,
    already_present: counts.given - counts.inserted,
    with_footprint: counts.with_footprint,
    skipped,
  };
}
