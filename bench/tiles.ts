// Benchmark part "tiles": for z10, z12, z14 and z16 tile sets over the city, requests/s and
// latency through the HTTP server uncached and cached, next to (a) the same tile SQL run straight
// through the pg driver at the same concurrency (the floor: the database) and (b) nginx serving
// the same tile bytes from disk; then the stampede (64 simultaneous requests for one uncached
// tile) and freshness (a committed insert → the changed tiles served with the ticket).
// Run by bench/run.ts, which builds the city: npm run bench -- tiles [--small]
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { setActor } from '../server/db/actor.js';
import { freePort } from '../server/testing/pg-cluster.js';
import { ensureNginx } from '../server/testing/nginx.js';
import { LAYERS, TICKET_POINTS_FROM_ZOOM } from '../tiles/layers.js';
import { tileQuery } from '../tiles/sql.js';
import { tileOf, type TileAddress } from '../tiles/tile.js';
import { decodeTile, get } from '../tiles/testing.js';
import type { BenchContext, BenchFigure, BenchPart } from './context.js';

export interface TilesBenchOptions {
  /** Seconds each load runs in all (in slices alternating with its baseline's, after a 1 s warm-up of each). Default 10. */
  durationS?: number;
  /** Simultaneous requests, the pool size of the floor and the render slots of the server. Default 8. */
  connections?: number;
  /** Tiles per zoom, drawn from the tiles that hold addresses. Default 200. */
  tilesPerSet?: number;
  /** Freshness samples (insert, then delete). Default 10. */
  freshnessSamples?: number;
}

const ZOOMS = [10, 12, 14, 16];
const STAMPEDE = 64;
const FRESHNESS_MAX_ZOOM = 16;
const PART = 'tiles';
// Every layer in one tile: the heaviest request the map can make, and one statement per tile.
const SOURCE = LAYERS.map((l) => l.id).join(',');
const tilePath = (t: TileAddress, source = SOURCE) => `/tiles/${source}/${t.z}/${t.x}/${t.y}.mvt`;
// Browsers ask for gzip, and the server keeps every tile gzipped: both measured paths send those bytes.
const GZIP = { 'accept-encoding': 'gzip' };

interface Load {
  /** Latencies of the answered requests, ms, and the seconds they were counted over. */
  latencies: number[];
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  /** Non-2xx answers and connection errors. */
  failures: number;
}

const percentile = (sorted: number[], p: number) => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

function summarise(latencies: number[], seconds: number, failures: number): Load {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { latencies, seconds, rps: latencies.length / seconds, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), requests: latencies.length, failures };
}

function merge(loads: Load[]): Load {
  return summarise(loads.flatMap((l) => l.latencies), loads.reduce((n, l) => n + l.seconds, 0), loads.reduce((n, l) => n + l.failures, 0));
}

/**
 * A figure and its baseline measured in turns (a 1 s warm-up each, then `rounds` slices of
 * each in alternation), so that both see the same load from the rest of the machine; after
 * every slice the database is let go quiet, so that no slice pays for the last one's queries.
 */
async function alternate(a: (s: number) => Promise<Load>, b: (s: number) => Promise<Load>, durationS: number, rounds: number, quiet: () => Promise<void>): Promise<[Load, Load]> {
  const as: Load[] = [];
  const bs: Load[] = [];
  await a(1); await quiet();
  await b(1); await quiet();
  for (let i = 0; i < rounds; i++) {
    as.push(await a(durationS / rounds)); await quiet();
    bs.push(await b(durationS / rounds)); await quiet();
  }
  return [merge(as), merge(bs)];
}

// autocannon has no types of its own; this is the part of its API used here.
interface AutocannonResult { duration: number; errors: number; timeouts: number; non2xx: number }
interface AutocannonInstance { on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void }
type Autocannon = (opts: Record<string, unknown>, done: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** HTTP load over the paths in turn (one shared cursor, so all connections walk the whole set). */
function httpLoad(base: string, paths: string[], connections: number, durationS: number): Promise<Load> {
  let next = 0;
  const latencies: number[] = [];
  let bad = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: base, connections, duration: durationS, timeout: 60, headers: GZIP,
      requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: paths[next++ % paths.length] }) }],
    }, (err, result) => {
      if (err) return reject(err);
      resolve(summarise(latencies, result.duration, bad + result.errors + result.timeouts));
    });
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
      else bad++;
    });
  });
}

/** The statement the server runs for a tile of every layer: the layers from their minzoom on. */
function floorQuery(t: TileAddress, now: Date) {
  return tileQuery(LAYERS.filter((l) => t.z >= l.minzoom), 'postgis', t, now);
}

/**
 * The floor: the server's own tile statement through a pg pool, as many at once as the HTTP
 * load. Counted as autocannon counts: what is answered within the duration, over the duration.
 */
async function driverLoad(pool: pg.Pool, tiles: TileAddress[], now: Date, connections: number, durationS: number): Promise<Load> {
  let next = 0;
  const latencies: number[] = [];
  let failures = 0;
  const end = performance.now() + durationS * 1000;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) {
      const q = floorQuery(tiles[next++ % tiles.length]!, now);
      const t0 = performance.now();
      try {
        await pool.query(q.text, q.values);
        if (performance.now() <= end) latencies.push(performance.now() - t0);
      } catch {
        failures++;
      }
    }
  }));
  return summarise(latencies, durationS, failures);
}

/** Runs fn over items, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** The tiles at z that hold addresses, in a fixed pseudo-random order, at most n of them. */
function tileSet(points: [number, number][], z: number, n: number): TileAddress[] {
  const tiles = new Map<string, TileAddress>();
  for (const [lon, lat] of points) {
    const t = tileOf(lon, lat, z);
    tiles.set(`${t.x}/${t.y}`, t);
  }
  const mix = (t: TileAddress) => (Math.imul(t.x, 73_856_093) ^ Math.imul(t.y, 19_349_663)) >>> 0;
  return [...tiles.values()].sort((a, b) => mix(a) - mix(b) || a.x - b.x || a.y - b.y).slice(0, n);
}

// --- processes: the server (cache on or off) and nginx -------------------------------------

interface Child {
  url: string;
  proc: ChildProcess;
}

const children = new Set<ChildProcess>();
// Whatever way the benchmark ends, no server or nginx of its own outlives it.
process.once('exit', () => { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL'); });

async function startTileServer(ctx: BenchContext, opts: { cache: boolean; now: Date; poolSize: number }): Promise<Child> {
  const script = path.join(import.meta.dirname, 'tile-server.ts');
  const args = ['--import', 'tsx', script, `--now=${opts.now.toISOString()}`, ...(opts.cache ? [] : ['--cache=off'])];
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, DATABASE_URL: ctx.databaseUrl, DB_POOL_SIZE: String(opts.poolSize), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { port: number }).port);
      } catch {
        reject(new Error(`the tile server said: ${line}`));
      }
    });
    proc.once('exit', (code) => reject(new Error(`the tile server exited (${code}): ${stderr}`)));
  });
  return { url: `http://127.0.0.1:${port}`, proc };
}

async function stopChild(child: Child | undefined, signal: NodeJS.Signals = 'SIGTERM') {
  if (!child || child.proc.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.proc.once('exit', () => resolve());
    child.proc.kill(signal);
    setTimeout(() => { child.proc.kill('SIGKILL'); }, 10_000).unref();
  });
  children.delete(child.proc);
}

interface TileStats { renders: number; hits: number; misses: number; joined: number; lastChangeAt: number | null }
async function tileStats(server: Child): Promise<TileStats> {
  return JSON.parse((await get(`${server.url}/bench/tile-stats`)).body.toString()) as TileStats;
}

async function startNginx(bin: string, root: string): Promise<Child> {
  const port = await freePort();
  for (const d of ['www', 'tmp']) mkdirSync(path.join(root, d), { recursive: true });
  // One worker, as the server is one Node process; the bytes come from disk through sendfile.
  const conf = `worker_processes 1;
daemon off;
pid ${root}/nginx.pid;
error_log ${root}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_timeout 65; keepalive_requests 10000000;
  open_file_cache max=20000 inactive=120s;
  client_body_temp_path ${root}/tmp/body; proxy_temp_path ${root}/tmp/proxy;
  fastcgi_temp_path ${root}/tmp/fastcgi; uwsgi_temp_path ${root}/tmp/uwsgi; scgi_temp_path ${root}/tmp/scgi;
  types { application/vnd.mapbox-vector-tile mvt; }
  server {
    listen 127.0.0.1:${port};
    root ${root}/www;
    location /tiles/ {
      add_header Content-Encoding gzip;
      add_header Vary Accept-Encoding;
      add_header Cache-Control "public, max-age=0, s-maxage=1";
      add_header Access-Control-Allow-Origin *;
    }
  }
}
`;
  writeFileSync(path.join(root, 'nginx.conf'), conf);
  const proc = spawn(bin, ['-e', path.join(root, 'error.log'), '-p', root, '-c', path.join(root, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(proc);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      await get(`${url}/`);
      return { url, proc };
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not answer: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

// --- the part ------------------------------------------------------------------------------

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '—');
const line = (name: string, l: Load) =>
  `  ${name.padEnd(22)} ${l.rps.toFixed(1).padStart(9)} req/s   p50 ${ms(l.p50).padStart(7)}  p95 ${ms(l.p95).padStart(7)}  p99 ${ms(l.p99).padStart(7)} ms   (${l.requests} requests${l.failures ? `, ${l.failures} FAILED` : ''})`;

export function benchTiles(options: TilesBenchOptions = {}): BenchPart {
  const durationS = options.durationS ?? 10;
  const connections = options.connections ?? 8;
  const perSet = options.tilesPerSet ?? 200;
  const samples = options.freshnessSamples ?? 10;

  return async (ctx) => {
    const { db, log } = ctx;
    const figures: BenchFigure[] = [];
    // The clock of both servers and of the floor stands at the moment the run starts.
    const now = new Date();
    const work = mkdtempSync(path.join(tmpdir(), 'misto-bench-tiles-'));
    chmodSync(work, 0o755);
    const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: connections, application_name: 'misto-bench-floor' });
    let uncached: Child | undefined;
    let cached: Child | undefined;
    let nginx: Child | undefined;
    try {
      const points = (await db.sql<{ lon: number; lat: number }>('SELECT ST_X(point) AS lon, ST_Y(point) AS lat FROM addresses ORDER BY id'))
        .map((r) => [r.lon, r.lat] as [number, number]);
      if (points.length === 0) throw new Error('the city has no addresses');
      const [pgss] = await db.sql<{ n: number }>("SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'pg_stat_statements'");
      let statements = pgss!.n > 0;
      if (statements) {
        try { await db.sql('SELECT pg_stat_statements_reset()'); } catch { statements = false; }
      }

      // Until no tile statement of a load just ended is still running.
      const quiet = async () => {
        for (let i = 0; i < 600; i++) {
          const [row] = await db.sql<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'WITH bounds AS%' AND pid <> pg_backend_pid()");
          if (row!.n === 0) return;
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      // The server keeps two connections of its pool for the rest of the app and renders tiles on
      // the others (RenderSlots): a pool two larger than the load lets it run as many tile
      // statements at once as the floor does, which is what "at the same concurrency" asks.
      uncached = await startTileServer(ctx, { cache: false, now, poolSize: connections + 2 });
      cached = await startTileServer(ctx, { cache: true, now, poolSize: connections + 2 });
      const nginxBin = ensureNginx(log);
      if (!nginxBin) log('nginx could not be installed: the cached figures go without their baseline');
      if (nginxBin) nginx = await startNginx(nginxBin, work);
      log(`${connections} connections, ${durationS} s per load in slices alternating with its baseline, after 1 s of warm-up each; tiles of all layers (${SOURCE}), gzip accepted`);
      log(`servers: uncached ${uncached.url}, cached ${cached.url}${nginx ? `, nginx ${nginx.url}` : ''}`);

      for (const z of ZOOMS) {
        const tiles = tileSet(points, z, perSet);
        const paths = tiles.map((t) => tilePath(t));
        log(`z${z}: ${tiles.length} tiles`);
        // Every tile once through the driver first: the database's caches are warm for all four.
        await eachLimited(tiles, connections, async (t) => { const q = floorQuery(t, now); await pool.query(q.text, q.values); });

        const before = await tileStats(uncached);
        const [floor, cold] = await alternate(
          (d) => driverLoad(pool, tiles, now, connections, d),
          (d) => httpLoad(uncached!.url, paths, connections, d),
          durationS, 2, quiet);
        log(line('tile SQL via pg', floor));
        log(line('HTTP uncached', cold));
        const after = await tileStats(uncached);
        if (after.renders - before.renders < cold.requests) throw new Error('the uncached server answered without rendering');

        // The cached server gets every tile once; those bytes go to disk for nginx.
        let bytes = 0;
        await eachLimited(tiles, 4, async (t) => {
          const res = await get(cached!.url + tilePath(t), GZIP);
          if (res.status !== 200) throw new Error(`z${z} ${t.x}/${t.y}: ${res.status}`);
          bytes += res.raw.length;
          const file = path.join(work, 'www', tilePath(t));
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, res.raw);
        });
        log(`  ${tiles.length} tiles, ${(bytes / tiles.length / 1024).toFixed(1)} KiB each gzipped on average`);
        const s0 = await tileStats(cached);
        let warm: Load;
        let disk: Load | undefined;
        if (nginx) {
          [warm, disk] = await alternate(
            (d) => httpLoad(cached!.url, paths, connections, d),
            (d) => httpLoad(nginx!.url, paths, connections, d),
            durationS, 4, async () => {});
        } else {
          await httpLoad(cached.url, paths, connections, 1);
          warm = await httpLoad(cached.url, paths, connections, durationS);
        }
        const s1 = await tileStats(cached);
        log(line('HTTP cached', warm) + `  [${s1.hits - s0.hits} hits, ${s1.misses - s0.misses} misses]`);
        if (disk) log(line('nginx from disk', disk));

        const coldRatio = cold.rps / floor.rps;
        figures.push({
          part: PART, name: `z${z} uncached req/s`, value: cold.rps, unit: 'req/s',
          baseline: { name: 'tile SQL via pg', value: floor.rps }, ratio: coldRatio,
          target: '≥ 0.9 × floor', met: coldRatio >= 0.9 && cold.failures === 0,
        });
        figures.push({
          part: PART, name: `z${z} uncached p95 (ratio: floor ÷ this)`, value: cold.p95, unit: 'ms',
          baseline: { name: 'tile SQL via pg p95', value: floor.p95 }, ratio: floor.p95 / cold.p95,
          ...(z <= 12
            ? { target: '≤ 100 ms at 5 M tickets', ...(ctx.city.tickets >= 5_000_000 ? { met: cold.p95 <= 100 } : {}) }
            : { target: '—' }),
        });
        const warmRatio = disk ? warm.rps / disk.rps : undefined;
        figures.push({
          part: PART, name: `z${z} cached req/s`, value: warm.rps, unit: 'req/s',
          ...(disk ? { baseline: { name: 'nginx from disk', value: disk.rps }, ratio: warmRatio } : {}),
          target: '≥ 0.5 × nginx', ...(warmRatio !== undefined ? { met: warmRatio >= 0.5 && warm.failures === 0 } : {}),
        });
        figures.push({
          part: PART, name: `z${z} cached p95 (ratio: nginx ÷ this)`, value: warm.p95, unit: 'ms',
          ...(disk ? { baseline: { name: 'nginx from disk p95', value: disk.p95 }, ratio: disk.p95 / warm.p95 } : {}),
          target: '—',
        });
      }

      figures.push(...(await stampede(ctx, cached, points, statements)));
      figures.push(...(await freshness(ctx, cached, points, samples)));
    } finally {
      await stopChild(uncached);
      await stopChild(cached);
      await stopChild(nginx, 'SIGQUIT');
      await pool.end();
      rmSync(work, { recursive: true, force: true });
    }
    return figures;
  };
}

/** 64 simultaneous requests for each of five tiles nobody asked for: tile statements counted. */
async function stampede(ctx: BenchContext, server: Child, points: [number, number][], statements: boolean): Promise<BenchFigure[]> {
  const { db, log } = ctx;
  // z15 is in no measured set, so these tiles are in no cache.
  const tiles = tileSet(points, 15, 5);
  const counts: number[] = [];
  const served: number[] = [];
  for (const t of tiles) {
    if (statements) await db.sql('SELECT pg_stat_statements_reset()');
    const before = await tileStats(server);
    const responses = await Promise.all(Array.from({ length: STAMPEDE }, () => get(server.url + tilePath(t), GZIP)));
    const after = await tileStats(server);
    const answers = new Map<string, number>();
    for (const r of responses) {
      const key = r.status === 200 ? `200 ${r.headers.etag}` : `${r.status} ${r.body.toString().slice(0, 160)}`;
      answers.set(key, (answers.get(key) ?? 0) + 1);
    }
    const tilesServed = responses.filter((r) => r.status === 200);
    if (new Set(tilesServed.map((r) => r.headers.etag)).size > 1) throw new Error(`the stampede got different tiles: ${JSON.stringify([...answers])}`);
    served.push(tilesServed.length);
    let queries = after.renders - before.renders;
    const others = [...answers].filter(([k]) => !k.startsWith('200 ')).map(([k, n]) => `${n} × ${k}`).join('; ');
    if (statements) {
      const [row] = await db.sql<{ calls: number }>("SELECT coalesce(sum(calls), 0)::int AS calls FROM pg_stat_statements WHERE query LIKE 'WITH bounds AS%'");
      log(`  stampede z15 ${t.x}/${t.y}: pg_stat_statements ${row!.calls} tile statement(s), the server ${queries} render(s), ${after.joined - before.joined} requests joined it; ${tilesServed.length} of ${STAMPEDE} got the tile${others ? `, ${others}` : ''}`);
      queries = Math.max(queries, row!.calls);
    } else {
      log(`  stampede z15 ${t.x}/${t.y}: the server ${queries} render(s) (no pg_stat_statements), ${after.joined - before.joined} requests joined it; ${tilesServed.length} of ${STAMPEDE} got the tile${others ? `, ${others}` : ''}`);
    }
    counts.push(queries);
  }
  return [
    {
      part: PART, name: `stampede: tile queries per ${STAMPEDE} simultaneous misses (worst of ${tiles.length})`, value: Math.max(...counts), unit: 'queries',
      target: 'exactly 1', met: counts.every((c) => c === 1),
    },
    {
      part: PART, name: `stampede: requests answered with the tile (worst of ${tiles.length})`, value: Math.min(...served), unit: `of ${STAMPEDE}`,
      target: `all ${STAMPEDE}`, met: served.every((n) => n === STAMPEDE),
    },
  ];
}

/**
 * A ticket inserted (and committed) next to an address, then deleted: the time until every
 * tickets tile over it, z0 to z16, is served with it (without it). The clock starts before the
 * INSERT is sent, so the figure includes the insert itself. Where the time goes is logged: the
 * commit, the change reaching the server's cache (NOTIFY; both clocks are this machine's), and
 * the rest, which is redrawing the tiles.
 */
async function freshness(ctx: BenchContext, server: Child, points: [number, number][], samples: number): Promise<BenchFigure[]> {
  const { db, log } = ctx;
  const zooms = Array.from({ length: FRESHNESS_MAX_ZOOM + 1 }, (_, z) => z);
  const tileUrl = (t: TileAddress) => server.url + tilePath(t, 'tickets');
  // Answers other than a tile while the server is busy redrawing (a request that waited too long
  // for a database connection) are counted and asked again: a map would retry them too.
  let failures = 0;
  let lastFailure = '';
  const look = async (t: TileAddress, id: number): Promise<{ count: number; has: boolean } | undefined> => {
    const res = await get(tileUrl(t), GZIP);
    if (res.status !== 200 && res.status !== 204) {
      failures++;
      lastFailure = `z${t.z}: ${res.status} ${res.body.toString().slice(0, 200)}`;
      return undefined;
    }
    const features = decodeTile(res.body).tickets ?? [];
    return t.z >= TICKET_POINTS_FROM_ZOOM
      ? { count: 0, has: features.some((f) => f.properties.id === id) }
      : { count: features.reduce((n, f) => n + Number(f.properties.count ?? 0), 0), has: false };
  };
  // The worst time per zoom over the samples, to show which zooms hold freshness back.
  const perZoom = zooms.map(() => 0);
  /** ms until check() holds for every zoom's tile, each polled every few ms. */
  const until = async (started: number, tiles: TileAddress[], check: (t: TileAddress) => Promise<boolean>) => {
    const times = await Promise.all(tiles.map(async (t) => {
      for (;;) {
        if (await check(t)) {
          const took = performance.now() - started;
          perZoom[t.z] = Math.max(perZoom[t.z]!, took);
          return took;
        }
        if (performance.now() - started > 30_000) throw new Error(`z${t.z} ${t.x}/${t.y} was not fresh within 30 s`);
        // A short pause: seventeen pollers must not starve the server they wait for.
        await new Promise((r) => setTimeout(r, 2));
      }
    }));
    return Math.max(...times);
  };
  const inserted: number[] = [];
  const deleted: number[] = [];
  // Per change: ms until the commit returned, and ms until the server's cache heard of it
  // (NOTIFY), both from the moment the statement was sent.
  const commits: number[] = [];
  const notices: number[] = [];
  const noticed = async (sentAt: number) => {
    const { lastChangeAt } = await tileStats(server);
    if (lastChangeAt !== null && lastChangeAt >= sentAt) notices.push(lastChangeAt - sentAt);
  };
  for (let i = 0; i < samples; i++) {
    const [lon, lat] = points[Math.floor(((i + 0.5) / samples) * points.length)]!;
    const at: [number, number] = [lon + 0.00013, lat + 0.00011];
    const tiles = zooms.map((z) => tileOf(at[0], at[1], z));
    // Every tile is in the server's cache before the change: only invalidation can show the ticket.
    const before = await Promise.all(tiles.map(async (t) => {
      for (let attempt = 0; ; attempt++) {
        const seen = await look(t, -1);
        if (seen) return seen;
        if (attempt === 100) throw new Error(`the tile z${t.z} ${t.x}/${t.y} is not served: ${lastFailure}`);
      }
    }));
    const t0 = performance.now();
    const sentAt = Date.now();
    const id = await db.transaction(async (tx) => {
      await setActor(tx, 'bench:tiles');
      const [row] = await tx.sql<{ id: number }>(`
        INSERT INTO tickets (category_code, status, description, location, source, executor_id, routed_by, deadline_class, accept_due_at, due_at)
        SELECT c.code, 'new', 'Benchmark: freshness', ST_SetSRID(ST_MakePoint($lon, $lat), 4326), 'web',
               (SELECT id FROM organisations ORDER BY id LIMIT 1), 'manual', c.deadline_class, now() + interval '10 minutes', now() + interval '1 day'
        FROM categories c ORDER BY c.code LIMIT 1
        RETURNING id`, { lon: at[0], lat: at[1] });
      return row!.id;
    });
    commits.push(performance.now() - t0);
    try {
      inserted.push(await until(t0, tiles, async (t) => {
        const seen = await look(t, id);
        return seen !== undefined && (t.z >= TICKET_POINTS_FROM_ZOOM ? seen.has : seen.count === before[t.z]!.count + 1);
      }));
    } catch (err) {
      await db.sql('DELETE FROM tickets WHERE id = $id', { id });
      throw err;
    }
    await noticed(sentAt);
    const t1 = performance.now();
    const deleteSentAt = Date.now();
    await db.sql('DELETE FROM tickets WHERE id = $id', { id });
    commits.push(performance.now() - t1);
    deleted.push(await until(t1, tiles, async (t) => {
      const seen = await look(t, id);
      return seen !== undefined && (t.z >= TICKET_POINTS_FROM_ZOOM ? !seen.has : seen.count === before[t.z]!.count);
    }));
    await noticed(deleteSentAt);
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  if (failures > 0) log(`  freshness: ${failures} answers were not tiles while the server redrew, the last: ${lastFailure}`);
  log(`  freshness, worst per zoom over inserts and deletes (ms): ${perZoom.map((v, z) => `z${z} ${v.toFixed(0)}`).join(', ')}`);
  log(`  freshness over z0–z${FRESHNESS_MAX_ZOOM}, ${samples} tickets: insert p50 ${ms(percentile(sorted(inserted), 0.5))} max ${ms(Math.max(...inserted))} ms; delete p50 ${ms(percentile(sorted(deleted), 0.5))} max ${ms(Math.max(...deleted))} ms`);
  log(`  freshness, where the time goes (from the statement sent): committed p50 ${ms(percentile(sorted(commits), 0.5))} max ${ms(Math.max(...commits))} ms; the server's cache told (NOTIFY) p50 ${ms(percentile(sorted(notices), 0.5))} max ${ms(Math.max(...notices))} ms; the rest, to the figures above, is redrawing the 17 tiles`);
  return [
    { part: PART, name: `freshness: insert → in every tile z0–z${FRESHNESS_MAX_ZOOM} (worst of ${samples})`, value: Math.max(...inserted), unit: 'ms', target: '≤ 1000 ms', met: Math.max(...inserted) <= 1000 },
    { part: PART, name: `freshness: delete → gone from every tile (worst of ${samples})`, value: Math.max(...deleted), unit: 'ms', target: '≤ 1000 ms', met: Math.max(...deleted) <= 1000 },
  ];
}

export const tilesPart: BenchPart = benchTiles();
