// Benchmark: attaching an outage zone over ~10,000 of 100,000 addresses, and the address card with 1 M tickets, each next to the bare spatial join it is built on.
//   npx tsx bench/outages.ts          runs alone on a throwaway PostGIS cluster with a generated city
//   benchOutages({ db })              from bench/run.ts, on a database that already holds a city (or an empty one: it generates)
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Db } from '../server/db/db.js';
import { openPostgres } from '../server/db/postgres.js';
import { migrate } from '../server/db/migrate.js';
import { startPgCluster, destroyPgCluster } from '../server/testing/pg-cluster.js';
import type { User } from '../server/auth/middleware.js';
import { createOutage, cancelOutage } from '../server/outages/outages.js';

export interface BenchFigure {
  name: string;
  /** Misto's figure, in ms. */
  ms: number;
  /** The bare SQL doing the same spatial work, in ms, from the same run. */
  baselineMs: number;
  target: string;
}

const ADDRESSES = 100_000;
const TICKETS = 1_000_000;
const OBJECTS = 20_000;
// The generated city: a 400 × 250 grid of houses 25 m apart (10 km × 6.25 km), west-south corner here.
const WEST = 36.2;
const SOUTH = 49.95;
const STEP_LON = 25 / 71_696;
const STEP_LAT = 25 / 111_229;

const at = (p: number, sorted: number[]) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const median = (xs: number[]) => at(0.5, [...xs].sort((a, b) => a - b));

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const result = await fn();
  return [performance.now() - t0, result];
}

/**
 * A city for the benchmark, set-based: 1,000 streets of 100 houses on a grid, 1 M tickets
 * (half pinned at an address, half up to ~300 m from one; 12 % open), 20,000 objects.
 * Triggers are off while loading (audit rows and NOTIFYs for a million synthetic tickets
 * measure nothing we care about); indexes stay on, as in production.
 */
export async function generateBenchCity(db: Db, log: (s: string) => void = console.log): Promise<void> {
  const [{ superuser } = { superuser: false }] = await db.sql<{ superuser: boolean }>('SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user');
  const t0 = performance.now();
  await db.transaction(async (tx) => {
    if (superuser) await tx.sql("SELECT set_config('session_replication_role', 'replica', true)");
    await tx.sql('SELECT setseed(0.42)');
    await tx.sql("INSERT INTO organisations (code, name, kind) VALUES ('bench-water', 'Водоканал (bench)', 'utility'), ('bench-housing', 'ЖЕК (bench)', 'housing_office')");
    await tx.sql(`INSERT INTO categories (code, name_uk, name_en, group_code, deadline_class, utility)
      VALUES ('bench_water', 'Немає води', 'No water', 'bench', 'short', 'water'), ('bench_heat', 'Немає опалення', 'No heating', 'bench', 'short', 'heating'),
             ('bench_light', 'Не світить ліхтар', 'Street light', 'bench', 'short', NULL), ('bench_road', 'Яма', 'Pothole', 'bench', 'long', NULL)`);
    await tx.sql("INSERT INTO streets (name) SELECT 'Бенчмаркова ' || s || ' вулиця' FROM generate_series(1, 1000) s");
    await tx.sql(`
      INSERT INTO addresses (street_id, house_number, label, point)
      SELECT st.id, h::text, st.name || ' ' || h,
             ST_SetSRID(ST_MakePoint($west::float8 + (((s - 1) % 4) * 100 + h - 1) * $stepLon::float8, $south::float8 + ((s - 1) / 4) * $stepLat::float8), 4326)
      FROM generate_series(1, 1000) s
      JOIN streets st ON st.name = 'Бенчмаркова ' || s || ' вулиця'
      CROSS JOIN generate_series(1, 100) h`, { west: WEST, south: SOUTH, stepLon: STEP_LON, stepLat: STEP_LAT });
    log(`  ${ADDRESSES} addresses in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await tx.sql(`
      INSERT INTO tickets (category_code, status, description, location, address_id, source, executor_id, routed_by, deadline_class,
                           created_at, updated_at, accept_due_at, due_at, closed_at)
      SELECT (ARRAY['bench_water', 'bench_heat', 'bench_light', 'bench_road'])[1 + g % 4],
             CASE WHEN g % 100 < 12 THEN (ARRAY['new', 'accepted', 'in_progress'])[1 + g % 3] ELSE 'closed' END,
             'Згенероване звернення ' || g,
             CASE WHEN g % 2 = 0 THEN a.point
                  ELSE ST_SetSRID(ST_MakePoint(ST_X(a.point) + (random() - 0.5) * 0.008, ST_Y(a.point) + (random() - 0.5) * 0.005), 4326) END,
             CASE WHEN g % 2 = 0 THEN a.id END,
             'import', (SELECT id FROM organisations WHERE code = 'bench-water'), 'default', 'short',
             c.created_at, c.created_at, c.created_at + interval '10 minutes', c.created_at + interval '1 day',
             CASE WHEN g % 100 < 12 THEN NULL ELSE c.created_at + interval '2 days' END
      FROM generate_series(1, $tickets::int) g
      JOIN addresses a ON a.id = 1 + ((g::bigint * 48271) % $addresses::int)
      CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01' + (g % 650) * interval '1 day' + (g % 1440) * interval '1 minute' AS created_at) c`,
    { tickets: TICKETS, addresses: ADDRESSES });
    log(`  ${TICKETS} tickets in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await tx.sql(`
      INSERT INTO objects (kind, geom, owner_id, balance_holder_id, ownership_status)
      SELECT (ARRAY['manhole', 'street_light_pole', 'well'])[1 + g % 3],
             ST_SetSRID(ST_MakePoint($west::float8 + random() * 400 * $stepLon::float8, $south::float8 + random() * 250 * $stepLat::float8), 4326),
             CASE WHEN g % 5 <> 0 THEN (SELECT id FROM organisations WHERE code = 'bench-water') END,
             CASE WHEN g % 5 <> 0 THEN (SELECT id FROM organisations WHERE code = 'bench-housing') END,
             CASE WHEN g % 5 <> 0 THEN 'owned' ELSE 'under_investigation' END
      FROM generate_series(1, $objects::int) g`, { objects: OBJECTS, west: WEST, south: SOUTH, stepLon: STEP_LON, stepLat: STEP_LAT });
  });
  await db.exec('ANALYZE');
  log(`  city generated in ${((performance.now() - t0) / 1000).toFixed(1)} s${superuser ? '' : ' (triggers on: not a superuser)'}`);
}

/** A rectangle over about a tenth of the city: 40 % of the width, 25 % of the height. */
function tenthOfTheCity(extent: { xmin: number; ymin: number; xmax: number; ymax: number }) {
  const w = extent.xmax - extent.xmin;
  const h = extent.ymax - extent.ymin;
  const x0 = extent.xmin + 0.3 * w;
  const y0 = extent.ymin + 0.375 * h;
  const x1 = x0 + 0.4 * w;
  const y1 = y0 + 0.25 * h;
  return { type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] };
}

export async function benchOutages(opts: { db: Db; log?: (s: string) => void; runs?: number; cards?: number }): Promise<BenchFigure[]> {
  const { db } = opts;
  const log = opts.log ?? console.log;
  const [present] = await db.sql<{ addresses: number; tickets: number }>(
    'SELECT (SELECT count(*)::int FROM addresses) AS addresses, (SELECT count(*)::int FROM tickets) AS tickets');
  if (present!.addresses === 0) {
    log('generating the benchmark city…');
    await generateBenchCity(db, log);
  }
  const [counts] = await db.sql<{ addresses: number; tickets: number; objects: number }>(
    'SELECT (SELECT count(*)::int FROM addresses) AS addresses, (SELECT count(*)::int FROM tickets) AS tickets, (SELECT count(*)::int FROM objects) AS objects');
  log(`city: ${counts!.addresses} addresses, ${counts!.tickets} tickets, ${counts!.objects} objects`);

  const [org] = await db.sql<{ id: number }>("INSERT INTO organisations (code, name, kind) VALUES ('bench-outages-' || floor(random() * 1e9)::bigint, 'Bench executor', 'utility') RETURNING id");
  const [userRow] = await db.sql<{ id: number }>(
    "INSERT INTO users (login, display_name, role, password_hash) VALUES ('bench-op-' || floor(random() * 1e9)::bigint, 'Bench operator', 'operator', 'x') RETURNING id");
  const user: User = { id: userRow!.id, login: 'bench', displayName: 'Bench operator', role: 'operator', organisationId: null };
  const [extent] = await db.sql<{ xmin: number; ymin: number; xmax: number; ymax: number }>(
    'SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax FROM (SELECT ST_Extent(point) AS e FROM addresses) x');
  const polygon = tenthOfTheCity(extent!);
  const geojson = JSON.stringify(polygon);
  const bare = 'SELECT count(*)::int AS n FROM addresses a WHERE ST_Intersects(ST_SetSRID(ST_GeomFromGeoJSON($geojson), 4326), a.point)';
  const runs = opts.runs ?? 5;
  const figures: BenchFigure[] = [];

  // Warm both paths once so that neither pays for cold caches.
  await db.sql(bare, { geojson });
  const baseline: number[] = [];
  const attachOnly: number[] = [];
  const wholeSave: number[] = [];
  let covered = 0;
  for (let i = 0; i < runs; i++) {
    const [b, rows] = await time(() => db.sql<{ n: number }>(bare, { geojson }));
    baseline.push(b);
    covered = rows[0]!.n;
    // The whole save, as POST /api/outages runs it: lock, checks, zone built and counted, insert, attach, re-read.
    const now = new Date();
    const [whole, result] = await time(() => createOutage(db, {
      utility: 'water', kind: 'emergency', executorId: org!.id, startsAt: new Date(now.getTime() - 60_000), endsAt: null,
      publicText: `Бенчмарк ${i}`, zone: { source: 'polygon', geojson },
    }, user, now));
    wholeSave.push(whole);
    if (result.telephonograms.attached !== covered) throw new Error(`attached ${result.telephonograms.attached}, the bare join counts ${covered}`);
    // The attach statement alone, on the same outage: withdraw in one transaction, re-attach in the next.
    await db.query('outages/withdraw_telephonograms', { outageId: result.outage.id, now, reason: 'zone_changed', outsideZoneOnly: false });
    const [attach] = await time(() => db.query('outages/attach_telephonograms', { outageId: result.outage.id, now: new Date() }));
    attachOnly.push(attach);
    await cancelOutage(db, result.outage.id, { version: null, note: null }, user, new Date());
  }
  log(`\nattach a zone over ${covered} of ${counts!.addresses} addresses (median of ${runs}):`);
  log(`  bare ST_Intersects count            ${median(baseline).toFixed(1)} ms`);
  log(`  attach_telephonograms (one INSERT)  ${median(attachOnly).toFixed(1)} ms   ${(median(attachOnly) / median(baseline)).toFixed(1)}× the bare join   target ≤ 300 ms`);
  log(`  whole save (POST /api/outages work) ${median(wholeSave).toFixed(1)} ms   ${(median(wholeSave) / median(baseline)).toFixed(1)}× the bare join`);
  figures.push({ name: 'telephonograms: attach ~10k of 100k addresses (median)', ms: median(attachOnly), baselineMs: median(baseline), target: '≤ 300 ms' });
  figures.push({ name: 'outage save incl. zone build and attach (median)', ms: median(wholeSave), baselineMs: median(baseline), target: '—' });

  // The card over random addresses; the baseline is its core spatial join (tickets within the radius of the address).
  const cards = opts.cards ?? 300;
  const ids = (await db.sql<{ id: number }>('SELECT id FROM addresses ORDER BY random() LIMIT $n', { n: cards })).map((r) => r.id);
  const bareCard = `SELECT count(*)::int AS n FROM addresses a JOIN tickets t ON ST_DWithin(t.location::geography, a.point::geography, 150) WHERE a.id = $id`;
  for (const id of ids.slice(0, 20)) {
    await db.query('addresses/card', { id, radiusM: 150, now: new Date(), ticketLimit: 50, closedLimit: 10, objectLimit: 50 });
    await db.sql(bareCard, { id });
  }
  const cardTimes: number[] = [];
  const bareTimes: number[] = [];
  for (const id of ids) {
    cardTimes.push((await time(() => db.query('addresses/card', { id, radiusM: 150, now: new Date(), ticketLimit: 50, closedLimit: 10, objectLimit: 50 })))[0]);
    bareTimes.push((await time(() => db.sql(bareCard, { id })))[0]);
  }
  cardTimes.sort((a, b) => a - b);
  bareTimes.sort((a, b) => a - b);
  log(`\naddress card over ${cards} random addresses with ${counts!.tickets} tickets:`);
  log(`  bare ST_DWithin join (150 m)  p50 ${at(0.5, bareTimes).toFixed(2)} ms  p95 ${at(0.95, bareTimes).toFixed(2)} ms`);
  log(`  addresses/card (one query)    p50 ${at(0.5, cardTimes).toFixed(2)} ms  p95 ${at(0.95, cardTimes).toFixed(2)} ms   p95 ${(at(0.95, cardTimes) / at(0.95, bareTimes)).toFixed(1)}× the bare join   target p95 ≤ 25 ms`);
  figures.push({ name: 'address card p95', ms: at(0.95, cardTimes), baselineMs: at(0.95, bareTimes), target: '≤ 25 ms' });
  figures.push({ name: 'address card p50', ms: at(0.5, cardTimes), baselineMs: at(0.5, bareTimes), target: '—' });

  // Address search over labels typed the way people type them.
  const labels = (await db.sql<{ label: string }>('SELECT label FROM addresses ORDER BY random() LIMIT 200')).map((r) => r.label);
  const typed = labels.map((l, i) => (i % 3 === 0 ? l.replace(' вулиця', '').toUpperCase() : i % 3 === 1 ? `вул. ${l.replace(' вулиця', ',')}` : l.replace('Бенчмаркова', 'Бенчмарковa')));
  const bareSearch = 'SELECT count(*)::int FROM addresses WHERE search_key % misto_search_key($q)';
  const searchTimes: number[] = [];
  const bareSearchTimes: number[] = [];
  for (const q of typed) {
    searchTimes.push((await time(() => db.query('addresses/search', { q, limit: 10 })))[0]);
    bareSearchTimes.push((await time(() => db.sql(bareSearch, { q })))[0]);
  }
  searchTimes.sort((a, b) => a - b);
  bareSearchTimes.sort((a, b) => a - b);
  log(`\naddress search, ${typed.length} typed queries:`);
  log(`  bare trigram % count    p50 ${at(0.5, bareSearchTimes).toFixed(2)} ms  p95 ${at(0.95, bareSearchTimes).toFixed(2)} ms`);
  log(`  addresses/search        p50 ${at(0.5, searchTimes).toFixed(2)} ms  p95 ${at(0.95, searchTimes).toFixed(2)} ms`);
  figures.push({ name: 'address search p95', ms: at(0.95, searchTimes), baselineMs: at(0.95, bareSearchTimes), target: '—' });
  return figures;
}

async function main() {
  const cluster = await startPgCluster();
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE misto_bench');
    await admin.end();
    const db = await openPostgres({ connectionString: cluster.urlFor('misto_bench'), poolSize: 4, statementTimeoutMs: 600_000 });
    try {
      await migrate(db);
      const figures = await benchOutages({ db });
      console.log('\nfigure                                                   misto      baseline   ratio   target');
      for (const f of figures) {
        console.log(`${f.name.padEnd(56)} ${f.ms.toFixed(1).padStart(7)} ms ${f.baselineMs.toFixed(1).padStart(7)} ms ${(f.ms / f.baselineMs).toFixed(1).padStart(6)}×   ${f.target}`);
      }
    } finally {
      await db.close();
    }
  } finally {
    await destroyPgCluster(cluster);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
