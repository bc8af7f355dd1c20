// Benchmark part: sustained Open311 intake — POST /open311/v2/requests.json with routing, duplicate check and outage link — next to its bare INSERT through the driver.
//   npx tsx bench/intake.ts   alone: bench/run.ts intake --small (a throwaway PostGIS cluster, a modest generated city); other run.ts arguments pass through
//   benchIntake(ctx)          from bench/run.ts, on the city it built
// MISTO_BENCH_INTAKE_SECONDS (default 20) and MISTO_BENCH_INTAKE_CONNECTIONS (default 16) size the load.
//
// The server runs as its own process (node server/main.ts, DATABASE_URL = the benchmark database,
// the default pool of 10), as in production, so that the load generator does not share its event
// loop. Its Open311 rate limit is off: a contact centre's own integration key is not throttled.
// Each request is a form POST as the spec has it, varied the way a city's day is: a category drawn
// by the weights of fixtures/definitions.ts, with its required attributes; a point up to ~30 m
// from a random address of the city, one in five at one of 40 hot spots (where a burst main brings
// many calls, so the duplicate check finds candidates); a contact in one of three.
//
// Baseline: the same INSERT (sql/tickets/insert.sql: ticket, contact, 'created' event) run straight
// through the driver with the server's pool size and as many at once as the HTTP connections, for
// the same time — the floor the HTTP path is built on. The tickets both make are deleted afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Db } from '../server/db/db.js';
import { openPostgres, DEFAULT_POOL_SIZE } from '../server/db/postgres.js';
import { freePort } from '../server/testing/pg-cluster.js';
import { CATEGORIES, DEFAULT_EXECUTOR, type OpenAttribute } from '../fixtures/definitions.js';
import type { BenchFigure, BenchPart } from './context.js';
import { percentile, runAlone } from './support.js';

const PART = 'intake';
const MARK = '[bench-intake]';
const API_KEY = 'bench-intake-key';
const ROOT = path.resolve(import.meta.dirname, '..');
const env = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};

// autocannon has no types of its own; this is the part of its API used here.
interface AutocannonResult { duration: number; errors: number; timeouts: number; non2xx: number }
interface AutocannonInstance { on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void }
type Autocannon = (opts: Record<string, unknown>, done: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** mulberry32: the same requests on every run over the same city. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Request {
  category: string;
  lon: number;
  lat: number;
  description: string;
  attributes: Record<string, string>;
  contact?: { first_name: string; phone: string };
}

function attributeValue(a: OpenAttribute, r: () => number): string {
  switch (a.datatype) {
    case 'number': return String(1 + Math.floor(r() * 9));
    case 'singlevaluelist':
    case 'multivaluelist': return a.values![Math.floor(r() * a.values!.length)]!.key;
    case 'datetime': return new Date(Date.now() - Math.floor(r() * 86_400_000)).toISOString();
    default: return 'так';
  }
}

/** `count` varied requests over the city's addresses, deterministic for a city. */
async function makeRequests(db: Db, count: number): Promise<Request[]> {
  const active = new Set((await db.sql<{ code: string }>('SELECT code FROM categories WHERE active')).map((c) => c.code));
  const categories = CATEGORIES.filter((c) => active.has(c.code));
  if (categories.length === 0) throw new Error('bench/intake: the city has none of the fixture categories (bench/run.ts generates it first)');
  const places = await db.sql<{ lon: number; lat: number }>('SELECT ST_X(point) AS lon, ST_Y(point) AS lat FROM addresses ORDER BY md5(id::text) LIMIT 2000');
  if (places.length === 0) throw new Error('bench/intake: the city has no addresses');
  const r = random(1562);
  const hotSpots = places.slice(0, 40);
  const totalWeight = categories.reduce((s, c) => s + c.weight, 0);
  const pick = () => {
    let x = r() * totalWeight;
    for (const c of categories) if ((x -= c.weight) < 0) return c;
    return categories.at(-1)!;
  };
  // ~30 m in degrees at Kharkiv's latitude.
  const jitter = (scale: number) => (r() - 0.5) * 2 * scale;
  return Array.from({ length: count }, (_, i) => {
    const c = pick();
    const hot = r() < 0.2;
    const at = hot ? hotSpots[Math.floor(r() * hotSpots.length)]! : places[Math.floor(r() * places.length)]!;
    const attributes = Object.fromEntries(c.attributes.filter((a) => a.required || r() < 0.5).map((a) => [a.code, attributeValue(a, r)]));
    return {
      category: c.code,
      lon: Number((at.lon + jitter(hot ? 0.0001 : 0.0004)).toFixed(6)),
      lat: Number((at.lat + jitter(hot ? 0.00007 : 0.00027)).toFixed(6)),
      description: `${MARK} ${c.descriptions[i % c.descriptions.length]}`,
      attributes,
      ...(i % 3 === 0 ? { contact: { first_name: 'Заявник', phone: `+380 57 ${String(1_000_000 + i).slice(-7)}` } } : {}),
    };
  });
}

function formBody(q: Request): string {
  const f = new URLSearchParams({ api_key: API_KEY, service_code: q.category, lat: String(q.lat), long: String(q.lon), description: q.description });
  for (const [code, value] of Object.entries(q.attributes)) f.set(`attribute[${code}]`, value);
  if (q.contact) for (const [k, v] of Object.entries(q.contact)) f.set(k, v);
  return f.toString();
}

interface Load { tickets: number; seconds: number; latencies: number[]; errors: Record<string, number> }

const bump = (errors: Record<string, number>, what: string, n = 1) => { if (n > 0) errors[what] = (errors[what] ?? 0) + n; };

function httpLoad(base: string, bodies: string[], connections: number, seconds: number, start: number): Promise<Load> {
  let next = start;
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: base, connections, duration: seconds, timeout: 30,
      requests: [{
        method: 'POST', path: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[next++ % bodies.length] }),
      }],
    }, (err, result) => {
      if (err) return reject(err);
      bump(errors, 'connection errors', result.errors);
      bump(errors, 'timeouts', result.timeouts);
      resolve({ tickets: latencies.length, seconds: result.duration, latencies, errors });
    });
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status === 200) latencies.push(ms);
      else bump(errors, `HTTP ${status}`);
    });
  });
}

/** The INSERT alone, through the driver: what createTicket's main statement costs with nothing around it. */
async function driverLoad(url: string, requests: Request[], executorId: number, poolSize: number, connections: number, seconds: number): Promise<Load> {
  const db = await openPostgres({ connectionString: url, poolSize });
  let next = 0;
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const started = performance.now();
  const end = started + seconds * 1000;
  try {
    await Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const q = requests[next++ % requests.length]!;
        const t0 = performance.now();
        try {
          await db.query('tickets/insert', {
            now: new Date(), category: q.category, status: 'new', deadlineClass: null, lon: q.lon, lat: q.lat,
            addressId: null, addressText: null, description: q.description, attributes: JSON.stringify(q.attributes), mediaUrl: null,
            source: 'import', apiKeyId: null, createdBy: null, executorId, routedBy: 'default', needsRouting: true, objectId: null,
            duplicateOf: null, cause: null, premisesAccess: null, callerInformed: null,
            firstName: q.contact?.first_name ?? null, lastName: null, email: null, phone: q.contact?.phone ?? null, deviceId: null,
            actorUserId: null, actorKind: 'citizen', eventData: '{}',
          });
          latencies.push(performance.now() - t0);
        } catch (err) {
          bump(errors, (err as Error).message.slice(0, 80));
        }
      }
    }));
  } finally {
    await db.close();
  }
  return { tickets: latencies.length, seconds: (performance.now() - started) / 1000, latencies, errors };
}

/** `node server/main.ts` on a free port over the benchmark database; resolves once /health answers. */
async function startServer(databaseUrl: string, poolSize: number): Promise<{ base: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production',
      DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', DB_POOL_SIZE: String(poolSize),
      OPEN311_API_KEYS: API_KEY, MISTO_OPEN311_RATE_LIMIT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => { output = (output + d.toString()).slice(-4000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    });
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bench/intake: the server exited (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${base}/health`)).status === 200) return { base, stop };
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`bench/intake: the server did not answer /health within 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function summary(l: Load) {
  const sorted = [...l.latencies].sort((a, b) => a - b);
  const errors = Object.values(l.errors).reduce((a, b) => a + b, 0);
  return { rate: l.tickets / l.seconds, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), errors };
}

export const benchIntake: BenchPart = async ({ db, databaseUrl, log }) => {
  const seconds = env('MISTO_BENCH_INTAKE_SECONDS', 20);
  const connections = env('MISTO_BENCH_INTAKE_CONNECTIONS', 16);
  const poolSize = DEFAULT_POOL_SIZE;
  const requests = await makeRequests(db, 20_000);
  const bodies = requests.map(formBody);
  const [centre] = await db.sql<{ id: number }>('SELECT id FROM organisations WHERE code = $code', { code: DEFAULT_EXECUTOR });
  if (!centre) throw new Error(`bench/intake: the city has no default executor "${DEFAULT_EXECUTOR}"`);
  const count = async () => (await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM tickets WHERE source = $source AND description LIKE $mark',
    { source: 'open311', mark: `${MARK}%` }))[0]!.n;

  log(`${PART}: ${requests.length} distinct requests over ${new Set(requests.map((r) => r.category)).size} categories; ${connections} connections, ${seconds} s, server pool ${poolSize}`);
  const server = await startServer(databaseUrl, poolSize);
  let http: Load;
  let acknowledgedButMissing = 0;
  let candidates = { with: 0, linked: 0, total: 0 };
  try {
    // Warm-up (tsx, plans, pool), not measured.
    await httpLoad(server.base, bodies, connections, 3, bodies.length / 2);
    const before = await count();
    http = await httpLoad(server.base, bodies, connections, seconds, 0);
    // Requests still in flight when the load stops may commit after it: more rows than answers is fine, fewer is a loss.
    await new Promise((r) => setTimeout(r, 1000));
    acknowledgedButMissing = Math.max(0, http.tickets - (await count() - before));
    const [c] = await db.sql<{ with: number; linked: number; total: number }>(`
      SELECT count(*) FILTER (WHERE e.data ? 'duplicate_candidates')::int AS with,
             count(*) FILTER (WHERE t.outage_id IS NOT NULL)::int AS linked, count(*)::int AS total
      FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id AND e.kind = 'created'
      WHERE t.source = 'open311' AND t.description LIKE $mark`, { mark: `${MARK}%` });
    candidates = c!;
  } finally {
    await server.stop();
  }
  const bare = await driverLoad(databaseUrl, requests, centre.id, poolSize, connections, seconds);

  const deleted = await db.sql<{ n: number }>('WITH gone AS (DELETE FROM tickets WHERE description LIKE $mark RETURNING 1) SELECT count(*)::int AS n FROM gone', { mark: `${MARK}%` });
  const h = summary(http);
  const b = summary(bare);
  log(`${PART}: HTTP ${h.rate.toFixed(0)} tickets/s, p50/p95/p99 ${h.p50.toFixed(1)}/${h.p95.toFixed(1)}/${h.p99.toFixed(1)} ms, errors ${JSON.stringify(http.errors)}`);
  log(`${PART}: bare INSERT ${b.rate.toFixed(0)} tickets/s, p50/p95/p99 ${b.p50.toFixed(1)}/${b.p95.toFixed(1)}/${b.p99.toFixed(1)} ms, errors ${JSON.stringify(bare.errors)}`);
  log(`${PART}: of ${candidates.total} tickets through Open311, ${candidates.with} were offered duplicate candidates and ${candidates.linked} linked to an outage; ` +
    `${acknowledgedButMissing} acknowledged but not in the database; ${deleted[0]!.n} benchmark tickets deleted`);

  const baseline = { name: `tickets/insert.sql through the driver, ${connections} at once`, value: b.rate };
  return [
    {
      part: PART, name: `Open311 POST, routing + duplicates + outage link, ${connections} connections (ratio = ÷ bare INSERT)`, value: h.rate, unit: 'tickets/s',
      baseline, ratio: h.rate / b.rate, target: '≥ 300 tickets/s sustained', met: h.rate >= 300,
    },
    { part: PART, name: 'Open311 POST latency p50', value: h.p50, unit: 'ms', baseline: { name: 'bare INSERT p50', value: b.p50 }, ratio: h.p50 / b.p50, target: '—' },
    { part: PART, name: 'Open311 POST latency p95', value: h.p95, unit: 'ms', baseline: { name: 'bare INSERT p95', value: b.p95 }, ratio: h.p95 / b.p95, target: '—' },
    { part: PART, name: 'Open311 POST latency p99', value: h.p99, unit: 'ms', baseline: { name: 'bare INSERT p99', value: b.p99 }, ratio: h.p99 / b.p99, target: '—' },
    {
      part: PART, name: 'Open311 POST errors (non-200, timeouts, connection errors, acknowledged but missing)', value: h.errors + acknowledgedButMissing,
      unit: 'requests', target: '0', met: h.errors + acknowledgedButMissing === 0,
    },
  ] satisfies BenchFigure[];
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Alone, through bench/run.ts (its throwaway cluster and generated city); without arguments a
  // modest city (--small: 10,000 addresses, 100,000 tickets), enough for routing and duplicate checks to do real work.
  if (process.argv.length === 2) process.argv.push('--small');
  runAlone('intake');
}
