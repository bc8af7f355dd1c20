// The Kyiv abandoned-buildings import (real OSM data): ownerless objects with their footprint, record and tags; a re-import adds nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testDb } from '../testing/db.js';
import { importAbandonedBuildings, KYIV_ABANDONED_FILE } from '../../scripts/import-kyiv-abandoned.js';
import type { Db } from '../db/db.js';

let db: Db;
before(async () => { db = await testDb(); });
after(async () => { await db.close(); });

interface Feature {
  id: string;
  type: string;
  properties: Record<string, string>;
  geometry: { type: string; coordinates: unknown } | null;
}
const file = JSON.parse(readFileSync(KYIV_ABANDONED_FILE, 'utf8')) as { type: string; timestamp: string; features: Feature[] };
const NOW = new Date('2026-11-23T09:00:00Z');

/** A few of each geometry the file has, and one feature without a geometry. */
function subset(): { type: string; timestamp: string; features: Feature[] } {
  const of = (type: string, n: number) => file.features.filter((f) => f.geometry?.type === type).slice(0, n);
  const broken = { ...file.features[0]!, id: 'way/1', properties: { '@id': 'way/1' }, geometry: null };
  return { ...file, features: [...of('Polygon', 4), ...of('MultiPolygon', 1), ...of('LineString', 3), broken] };
}

test('each building becomes an ownerless object at a point on its footprint, with a found record, its tags and an event', async () => {
  const data = subset();
  const result = await importAbandonedBuildings(db, data, { now: NOW });
  assert.equal(result.features, 9);
  assert.equal(result.inserted, 8);
  assert.deepEqual(result.skipped.map((s) => [s.ref, s.reason.slice(0, 20)]), [['way/1', 'not a usable Polygon']]);

  const rows = await db.sql<{ source_ref: string; kind: string; ownership_status: string; on_footprint: boolean | null; label: string | null;
    tags: Record<string, string>; stage: string; found_at: Date; note: string | null; events: number }>(`
    SELECT o.source_ref, o.kind, o.ownership_status, ST_Covers(o.footprint, o.geom) AS on_footprint, o.label, o.tags,
           r.stage, r.found_at, r.note, (SELECT count(*)::int FROM object_events e WHERE e.object_id = o.id AND e.kind = 'imported') AS events
    FROM objects o JOIN ownerless_records r ON r.object_id = o.id
    WHERE o.source = 'osm-kyiv-abandoned' ORDER BY o.source_ref`);
  assert.equal(rows.length, 8);
  for (const row of rows) {
    const feature = data.features.find((f) => f.id === row.source_ref)!;
    assert.equal(row.kind, 'building');
    assert.equal(row.ownership_status, 'ownerless');
    assert.equal(row.stage, 'found');
    assert.equal(row.found_at.toISOString(), '2016-09-05T17:10:02.000Z');
    assert.deepEqual(row.tags, feature.properties);
    assert.equal(row.events, 1);
    if (feature.geometry!.type !== 'LineString') assert.equal(row.on_footprint, true, row.source_ref);
    const street = feature.properties['addr:street'];
    if (!feature.properties.name && street) assert.equal(row.label, [street, feature.properties['addr:housenumber']].filter(Boolean).join(' '));
    if (feature.properties.note) assert.ok(row.note?.includes(feature.properties.note));
  }
});

test('importing the same file again adds nothing', async () => {
  const again = await importAbandonedBuildings(db, subset(), { now: NOW });
  assert.equal(again.inserted, 0);
  assert.equal(again.already_present, 8);
  const [count] = await db.sql<{ n: number }>("SELECT count(*)::int AS n FROM objects WHERE source = 'osm-kyiv-abandoned'");
  assert.equal(count!.n, 8);
});

test('the whole file loads: every feature is a record in the register', async () => {
  const result = await importAbandonedBuildings(db, file, { now: NOW });
  assert.equal(result.skipped.length, 0);
  assert.equal(result.inserted + result.already_present, file.features.length);
  const [row] = await db.sql<{ n: number; found: number }>(`
    SELECT count(*)::int AS n, count(*) FILTER (WHERE r.stage = 'found')::int AS found
    FROM objects o JOIN ownerless_records r ON r.object_id = o.id WHERE o.source = 'osm-kyiv-abandoned'`);
  assert.deepEqual(row, { n: file.features.length, found: file.features.length });
});

test('something that is not a FeatureCollection is refused before anything is written', async () => {
  await assert.rejects(importAbandonedBuildings(db, { type: 'Feature' }), /not a GeoJSON FeatureCollection/);
});
