// Benchmark part: the ownership lookup with 500,000 objects, over HTTP and as its one SQL statement, next to the bare spatial query it is built on.
//   npx tsx bench/ownership.ts   alone (= npm run bench -- ownership): a throwaway PostGIS cluster and the benchmark city from fixtures/generate-city.ts
//   benchOwnership(ctx)          from bench/run.ts, on the city it built
import { pathToFileURL } from 'node:url';
import type { BenchFigure, BenchPart } from './context.js';
import { percentile, time, startBenchServer, runAlone, backendCpuMs } from './support.js';
import { CITY_DEPARTMENT } from '../server/ownership/responsible.js';
import { LOOKUP_LIMIT } from '../server/ownership/lookup.js';

const PART = 'ownership';
const RADIUS_M = 25;
const LOOKUPS = 500;
const WARM = 50;

// The spatial core of the lookup and nothing else: the objects within the radius, nearest first, on the same index.
const BARE = `
  SELECT id, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography) AS distance_m
  FROM objects
  WHERE ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography, $radius::float8)
  ORDER BY geom::geography <-> ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography
  LIMIT $limit::integer`;

/**
 * Clicks where inspectors click: up to ~10 m off a random object, each asked three ways in turn —
 * GET /api/ownership over HTTP (session, validation, JSON), the lookup statement alone, and the
 * bare spatial query.
 */
export const benchOwnership: BenchPart = async ({ db, databaseUrl, log }) => {
  const [counts] = await db.sql<{ objects: number; claims: number; ownerless: number }>(
    'SELECT (SELECT count(*)::int FROM objects) AS objects, (SELECT count(*)::int FROM ownership_claims) AS claims, (SELECT count(*)::int FROM ownerless_records) AS ownerless');
  const { objects, claims, ownerless } = counts!;
  if (objects === 0) throw new Error('bench/ownership: the city has no objects (bench/run.ts generates it first)');
  log(`${PART}: ${objects} objects, ${claims} ownership claims, ${ownerless} ownerless records`);

  // Deterministic spots: the same objects and offsets on every run over the same city.
  const spots = await db.sql<{ lon: number; lat: number }>(`
    SELECT ST_X(p) + ((abs(hashtext(id::text)) % 1000) / 1000.0 - 0.5) * 0.00028 AS lon,
           ST_Y(p) + ((abs(hashtext(id::text || 'y')) % 1000) / 1000.0 - 0.5) * 0.00018 AS lat
    FROM (SELECT id, ST_PointOnSurface(geom) AS p FROM objects ORDER BY md5(id::text) LIMIT $n) s`, { n: LOOKUPS + WARM });

  const server = await startBenchServer(db, 'inspector');
  try {
    const http = async (s: { lon: number; lat: number }) => {
      const res = await fetch(`${server.base}/api/ownership?lon=${s.lon}&lat=${s.lat}&radius=${RADIUS_M}`, { headers: { cookie: server.cookie } });
      if (res.status !== 200) throw new Error(`GET /api/ownership answered ${res.status}: ${await res.text()}`);
      return res.json() as Promise<{ objects: unknown[]; lines: unknown[] }>;
    };
    const statement = (s: { lon: number; lat: number }) =>
      db.query('ownership/lookup', { lon: s.lon, lat: s.lat, radius: RADIUS_M, limit: LOOKUP_LIMIT, city_department: CITY_DEPARTMENT });
    const bare = (s: { lon: number; lat: number }) => db.sql(BARE, { lon: s.lon, lat: s.lat, radius: RADIUS_M, limit: LOOKUP_LIMIT });

    // Warm all three paths (plans, caches, connections) on spots not measured.
    for (const s of spots.slice(0, WARM)) {
      await http(s);
      await statement(s);
      await bare(s);
    }
    const httpTimes: number[] = [];
    const statementTimes: number[] = [];
    const bareTimes: number[] = [];
    let found = 0;
    for (const s of spots.slice(WARM)) {
      const [t, answer] = await time(() => http(s));
      httpTimes.push(t);
      found += answer.objects.length + answer.lines.length;
      statementTimes.push((await time(() => statement(s)))[0]);
      bareTimes.push((await time(() => bare(s)))[0]);
    }
    for (const xs of [httpTimes, statementTimes, bareTimes]) xs.sort((a, b) => a - b);
    const p95 = (xs: number[]) => percentile(xs, 0.95);
    const measured = httpTimes.length;
    const baseline = { name: `bare ST_DWithin + KNN over objects within ${RADIUS_M} m, p95`, value: p95(bareTimes) };
    log(`${PART}: lookup p50/p95: HTTP ${percentile(httpTimes, 0.5).toFixed(2)}/${p95(httpTimes).toFixed(2)} ms, statement ${percentile(statementTimes, 0.5).toFixed(2)}/${p95(statementTimes).toFixed(2)} ms, bare ${percentile(bareTimes, 0.5).toFixed(2)}/${p95(bareTimes).toFixed(2)} ms; ${(found / measured).toFixed(1)} objects and lines per answer`);
    // By the database's CPU per call as well: on shared cores wall times include waiting for a core.
    const measuredSpots = spots.slice(WARM);
    const statementCpu = await backendCpuMs(databaseUrl, measuredSpots, (q, s) =>
      q.query('ownership/lookup', { lon: s.lon, lat: s.lat, radius: RADIUS_M, limit: LOOKUP_LIMIT, city_department: CITY_DEPARTMENT }));
    const bareCpu = await backendCpuMs(databaseUrl, measuredSpots, (q, s) => q.sql(BARE, { lon: s.lon, lat: s.lat, radius: RADIUS_M, limit: LOOKUP_LIMIT }));
    const cpuFigures: BenchFigure[] = statementCpu === undefined || bareCpu === undefined ? [] : [{
      part: PART, name: 'lookup statement: database CPU per lookup, planning included (ratio = ÷ bare)', value: statementCpu, unit: 'ms',
      baseline: { name: 'bare ST_DWithin + KNN, database CPU', value: bareCpu }, ratio: statementCpu / bareCpu, target: '—',
    }];
    return [
      {
        part: PART, name: `lookup GET /api/ownership p95 (${objects} objects, ${measured} spots; ratio = ÷ bare)`, value: p95(httpTimes), unit: 'ms',
        baseline, ratio: p95(httpTimes) / baseline.value, target: '≤ 20 ms', met: p95(httpTimes) <= 20,
      },
      {
        part: PART, name: 'lookup, the one statement alone, p95 (ratio = ÷ bare)', value: p95(statementTimes), unit: 'ms',
        baseline, ratio: p95(statementTimes) / baseline.value, target: '—',
      },
      ...cpuFigures,
    ];
  } finally {
    await server.close();
  }
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runAlone('ownership');
