// Benchmark: the ownership lookup with 500,000 objects through the HTTP API and as its one SQL statement, next to the bare spatial query it is built on.
//   npx tsx bench/ownership.ts       runs alone on a throwaway PostGIS cluster with a generated city (generateCity)
//   benchOwnership({ db })           from bench/run.ts, on a database that holds a city (or an empty one: it generates)
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { Db } from '../server/db/db.js';
import { openPostgres } from '../server/db/postgres.js';
import { migrate } from '../server/db/migrate.js';
import { startPgCluster, destroyPgCluster } from '../server/testing/pg-cluster.js';
import { createApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { createChangeFeed } from '../server/live/changes.js';
import { createUser, TEST_PASSWORD } from '../server/testing/factories/auth.js';
import { CITY_DEPARTMENT } from '../server/ownership/responsible.js';
import { LOOKUP_LIMIT } from '../server/ownership/lookup.js';
import { generateCity } from '../fixtures/generate-city.js';

export interface BenchFigure {
  name: string;
  /** Misto's figure, in ms. */
  ms: number;
  /** The bare SQL doing the same spatial work, in ms, from the same run. */
  baselineMs: number;
  target: string;
}

export const OWNERSHIP_OBJECTS = 500_000;
const RADIUS_M = 25;

const at = (p: number, sorted: number[]) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

// The spatial core of the lookup and nothing else: the objects within the radius, nearest first, on the same index.
const BARE = `
  SELECT id, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography) AS distance_m
  FROM objects
  WHERE ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography, $radius::float8)
  ORDER BY geom::geography <-> ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography
  LIMIT $limit::integer`;

/**
 * Clicks where inspectors click: next to real objects (up to ~10 m off a random object), each
 * asked three ways in turn — GET /api/ownership over HTTP (session, validation, JSON), the
 * lookup statement alone, and the bare spatial query.
 */
export async function benchOwnership(opts: { db: Db; log?: (s: string) => void; lookups?: number }): Promise<BenchFigure[]> {
  const { db } = opts;
  const log = opts.log ?? console.log;
  const [present] = await db.sql<{ objects: number; streets: number }>('SELECT (SELECT count(*)::int FROM objects) AS objects, (SELECT count(*)::int FROM streets) AS streets');
  if (present!.objects === 0 && present!.streets === 0) {
    log(`generating a city with ${OWNERSHIP_OBJECTS} objects…`);
    await generateCity(db, { addresses: 100_000, tickets: 0, objects: OWNERSHIP_OBJECTS, outages: 0, log: (l) => log(`  ${l}`) });
  }
  const [counts] = await db.sql<{ objects: number; claims: number; ownerless: number }>(
    'SELECT (SELECT count(*)::int FROM objects) AS objects, (SELECT count(*)::int FROM ownership_claims) AS claims, (SELECT count(*)::int FROM ownerless_records) AS ownerless');
  log(`city: ${counts!.objects} objects, ${counts!.claims} ownership claims, ${counts!.ownerless} ownerless records`);
  if (counts!.objects < OWNERSHIP_OBJECTS) log(`  (fewer than the target's ${OWNERSHIP_OBJECTS} objects: the figures below are for ${counts!.objects})`);

  const n = opts.lookups ?? 500;
  const spots = await db.sql<{ lon: number; lat: number }>(`
    SELECT ST_X(p) + (random() - 0.5) * 0.00028 AS lon, ST_Y(p) + (random() - 0.5) * 0.00018 AS lat
    FROM (SELECT ST_PointOnSurface(geom) AS p FROM objects ORDER BY random() LIMIT $n) s`, { n: n + 50 });

  const changes = await createChangeFeed(db);
  const app = createApp({ db, config: loadConfig({}), changes });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const user = await createUser(db, { role: 'inspector' });
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: user.login, password: TEST_PASSWORD }),
    });
    if (login.status !== 200) throw new Error(`login answered ${login.status}`);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c?.startsWith('misto_session='))!;

    const http = async (s: { lon: number; lat: number }) => {
      const res = await fetch(`${base}/api/ownership?lon=${s.lon}&lat=${s.lat}&radius=${RADIUS_M}`, { headers: { cookie } });
      if (res.status !== 200) throw new Error(`GET /api/ownership answered ${res.status}: ${await res.text()}`);
      return res.json();
    };
    const statement = (s: { lon: number; lat: number }) =>
      db.query('ownership/lookup', { lon: s.lon, lat: s.lat, radius: RADIUS_M, limit: LOOKUP_LIMIT, city_department: CITY_DEPARTMENT });
    const bare = (s: { lon: number; lat: number }) => db.sql(BARE, { lon: s.lon, lat: s.lat, radius: RADIUS_M, limit: LOOKUP_LIMIT });

    // Warm all three paths (plans, caches, connections) on spots not measured.
    for (const s of spots.slice(0, 50)) {
      await http(s);
      await statement(s);
      await bare(s);
    }
    const httpTimes: number[] = [];
    const statementTimes: number[] = [];
    const bareTimes: number[] = [];
    let found = 0;
    for (const s of spots.slice(50)) {
      let answer: { objects: unknown[]; lines: unknown[] } | undefined;
      httpTimes.push(await time(async () => { answer = await http(s) as typeof answer; }));
      found += answer!.objects.length + answer!.lines.length;
      statementTimes.push(await time(() => statement(s)));
      bareTimes.push(await time(() => bare(s)));
    }
    for (const xs of [httpTimes, statementTimes, bareTimes]) xs.sort((a, b) => a - b);
    const measured = httpTimes.length;
    log(`\nownership lookup, radius ${RADIUS_M} m, ${measured} spots next to objects (${(found / measured).toFixed(1)} objects and lines per answer):`);
    log(`  bare ST_DWithin + KNN           p50 ${at(0.5, bareTimes).toFixed(2)} ms  p95 ${at(0.95, bareTimes).toFixed(2)} ms`);
    log(`  ownership/lookup (one query)    p50 ${at(0.5, statementTimes).toFixed(2)} ms  p95 ${at(0.95, statementTimes).toFixed(2)} ms   p95 ${(at(0.95, statementTimes) / at(0.95, bareTimes)).toFixed(1)}× the bare query`);
    log(`  GET /api/ownership (HTTP)       p50 ${at(0.5, httpTimes).toFixed(2)} ms  p95 ${at(0.95, httpTimes).toFixed(2)} ms   p95 ${(at(0.95, httpTimes) / at(0.95, bareTimes)).toFixed(1)}× the bare query   target p95 ≤ 20 ms`);
    return [
      { name: `ownership lookup over HTTP p95 (${counts!.objects} objects)`, ms: at(0.95, httpTimes), baselineMs: at(0.95, bareTimes), target: '≤ 20 ms' },
      { name: 'ownership lookup over HTTP p50', ms: at(0.5, httpTimes), baselineMs: at(0.5, bareTimes), target: '—' },
      { name: 'ownership lookup statement p95', ms: at(0.95, statementTimes), baselineMs: at(0.95, bareTimes), target: '—' },
    ];
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await changes.close();
  }
}

async function main() {
  const cluster = await startPgCluster();
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE misto_bench');
    await admin.end();
    const db = await openPostgres({ connectionString: cluster.urlFor('misto_bench'), poolSize: 4, statementTimeoutMs: 1_800_000 });
    try {
      await migrate(db);
      const figures = await benchOwnership({ db });
      console.log('\nfigure                                                   misto      baseline   ratio   target');
      for (const f of figures) {
        console.log(`${f.name.padEnd(56)} ${f.ms.toFixed(2).padStart(7)} ms ${f.baselineMs.toFixed(2).padStart(7)} ms ${(f.ms / f.baselineMs).toFixed(1).padStart(6)}×   ${f.target}`);
      }
    } finally {
      await db.close();
    }
  } finally {
    await destroyPgCluster(cluster);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
