// What a load run stands on: a real PostGIS with a generated city, Misto server processes on it, and the ids, keys and session the mix uses.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../server/db/db.js';
import { openPostgres } from '../../server/db/postgres.js';
import { migrate } from '../../server/db/migrate.js';
import { hashPassword } from '../../server/auth/password.js';
import { startPgCluster, destroyPgCluster, type PgCluster } from '../../server/testing/pg-cluster.js';
import { startServerProcess, type ServerProcess } from '../../server/testing/server-process.js';
import { generateCity } from '../../fixtures/generate-city.js';
import { loadDemoCity } from '../../fixtures/demo-city.js';
import { isTaken } from '../../fixtures/city.js';
import { tileOf } from '../../tiles/tile.js';

export interface CitySize {
  addresses: number;
  tickets: number;
  objects: number;
}

/** The demo city (real OpenStreetMap buildings, a few hundred tickets; loads in seconds) or a generated one of a given size. */
export type CityChoice = { kind: 'demo' } | { kind: 'generated'; size: CitySize };

export interface LoadDatabase {
  url: string;
  /** Where it came from, for the report. */
  origin: string;
  /** The database's processes now, when it is the throwaway cluster (for CPU figures); else empty. */
  pids(): number[];
  close(): Promise<void>;
}

/**
 * LOAD_DATABASE_URL when set (a city is loaded into it if it is empty), else a throwaway
 * cluster with the city. The throwaway cluster runs without fsync, as the test clusters do:
 * what this measures is Misto and PostgreSQL's work, not this machine's disk.
 */
export async function openLoadDatabase(city: CityChoice, log: (line: string) => void, settings: Record<string, string> = {}): Promise<LoadDatabase> {
  let cluster: PgCluster | undefined;
  let url = process.env.LOAD_DATABASE_URL;
  let origin = 'LOAD_DATABASE_URL';
  if (!url) {
    cluster = await startPgCluster({ settings });
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE misto_load');
    await admin.end();
    url = cluster.urlFor('misto_load');
    origin = `a throwaway PostGIS cluster (fsync off) on port ${cluster.port}`;
  }
  const db = await openPostgres({ connectionString: url, statementTimeoutMs: 3_600_000 });
  try {
    await migrate(db);
    if (await isTaken(db)) log('the database already holds a city: using it as it is');
    else if (city.kind === 'demo') {
      const t0 = performance.now();
      const counts = await loadDemoCity(db);
      log(`demo city loaded: ${counts.addresses} addresses, ${counts.buildings} buildings, ${counts.tickets} tickets, ${counts.objects} objects, ${counts.outages} outages (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } else {
      const { size } = city;
      log(`generating a city: ${size.addresses} addresses, ${size.tickets} tickets, ${size.objects} objects`);
      const result = await generateCity(db, { ...size, seed: 'load', log: (line) => log(`  ${line}`) });
      log(`  done in ${(result.ms / 1000).toFixed(1)} s`);
    }
    await db.sql('ANALYZE');
  } finally {
    await db.close();
  }
  return {
    url,
    origin,
    pids: () => cluster?.pids() ?? [],
    close: async () => { if (cluster) await destroyPgCluster(cluster); },
  };
}

/** The Open311 key the servers accept (from their configuration, as OPEN311_API_KEYS). */
export const LOAD_API_KEY = `load-${randomBytes(8).toString('hex')}`;

/**
 * Starts `count` server processes on the database. Intake runs under one api_key here, where a
 * city has one per connected organisation: its rate limit is lifted so that it measures the
 * server, not the limit.
 */
export async function startServers(databaseUrl: string, count: number, env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess[]> {
  const servers: ServerProcess[] = [];
  for (let i = 0; i < count; i++) {
    servers.push(await startServerProcess(databaseUrl, { OPEN311_API_KEYS: LOAD_API_KEY, MISTO_OPEN311_RATE_LIMIT: '0', MISTO_WEB_RATE_LIMIT: '0', ...env }, { nodeArgs }));
  }
  return servers;
}

export async function stopServers(servers: ServerProcess[]): Promise<void> {
  await Promise.all(servers.map(async (s) => {
    if (!s.running()) return;
    s.child.kill('SIGTERM');
    const timer = setTimeout(() => s.child.kill('SIGKILL'), 20_000);
    await s.exited;
    clearTimeout(timer);
  }));
}

export interface Fixtures {
  apiKey: string;
  /** Service codes that a service area routes somewhere. */
  serviceCodes: string[];
  /** Address points, where citizens stand when they report. */
  points: [number, number][];
  addressIds: number[];
  ticketIds: number[];
  outageIds: number[];
  /** Tile paths a citizen's map asks for, over the city at zooms 12–16, one per map source. */
  tiles: string[];
  /** A small box around a point, for list reads. */
  boxes: string[];
  operator: { cookie: string; csrfToken: string };
}

const sample = async <T>(db: Db, sql: string, n: number) => (await db.sql<{ v: T }>(sql, { n })).map((r) => r.v);

/** Reads what the mix needs from the database and logs an operator in through baseUrl. */
export async function loadFixtures(databaseUrl: string, baseUrl: string): Promise<Fixtures> {
  const db = await openPostgres({ connectionString: databaseUrl, poolSize: 2 });
  try {
    // Categories that route somewhere and ask for no required attribute: what a plain client sends.
    const serviceCodes = await sample<string>(db, `
      SELECT DISTINCT sa.category_code AS v FROM service_areas sa JOIN categories c ON c.code = sa.category_code
      WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(c.attributes) a WHERE (a ->> 'required')::boolean)
      ORDER BY 1 LIMIT $n`, 50);
    const points = (await db.sql<{ lon: number; lat: number }>('SELECT ST_X(point) AS lon, ST_Y(point) AS lat FROM addresses ORDER BY random() LIMIT 5000'))
      .map((r) => [r.lon, r.lat] as [number, number]);
    const addressIds = await sample<number>(db, 'SELECT id AS v FROM addresses ORDER BY random() LIMIT $n', 5000);
    const ticketIds = await sample<number>(db, 'SELECT id AS v FROM tickets ORDER BY random() LIMIT $n', 5000);
    const outageIds = await sample<number>(db, "SELECT id AS v FROM outages WHERE status IN ('scheduled', 'active') ORDER BY id LIMIT $n", 32);
    const login = `load-operator-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await db.sql("INSERT INTO users (login, display_name, role, password_hash) VALUES ($login, 'Load operator', 'operator', $hash)",
      { login, hash: await hashPassword(password) });
    const res = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
    if (res.status !== 200) throw new Error(`the operator could not log in: ${res.status} ${await res.text()}`);
    const { csrfToken } = await res.json() as { csrfToken: string };
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('misto_session='));
    if (!cookie) throw new Error('the login set no session cookie');
    if (serviceCodes.length === 0 || points.length === 0) throw new Error('the city has no service areas or addresses: generate one first');

    // A map view is a few tiles of each source; views land where people live (address points).
    const sources = ['streets,buildings', 'addresses', 'outages', 'tickets'];
    const tiles: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const [lon, lat] = points[(i * 7919) % points.length]!;
      const z = 12 + (i % 5);
      const t = tileOf(lon, lat, z);
      tiles.push(`/tiles/${sources[i % sources.length]}/${t.z}/${t.x}/${t.y}.mvt`);
    }
    const boxes = points.slice(0, 500).map(([lon, lat]) => [lon - 0.003, lat - 0.002, lon + 0.003, lat + 0.002].map((v) => v.toFixed(5)).join(','));
    return { apiKey: LOAD_API_KEY, serviceCodes, points, addressIds, ticketIds, outageIds, tiles, boxes, operator: { cookie, csrfToken } };
  } finally {
    await db.close();
  }
}

