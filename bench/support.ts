// What the outage and ownership benchmark parts share: timing and percentiles, the database's CPU per statement, the app on a free port with a staff session, and running a part alone.
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Db, Queryable } from '../server/db/db.js';
import type { Role } from '../server/auth/middleware.js';
import { openPostgres } from '../server/db/postgres.js';
import { createApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { createChangeFeed } from '../server/live/changes.js';
import { createUser, TEST_PASSWORD } from '../server/testing/factories/auth.js';

/** The value at fraction p of an ascending list (nearest rank). */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
export const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 0.5);

export async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const result = await fn();
  return [performance.now() - t0, result];
}

/** Linux counts process CPU in clock ticks of 1/100 s (USER_HZ). */
const TICK_MS = 10;

function processCpuTicks(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * The database server's CPU time (user + system) per call of `run`, in ms, from /proc of the backend
 * process serving a connection of its own: what the statement costs the database, whatever else the
 * machine's cores are busy with. Undefined where that process cannot be read (a remote server).
 * Resolution: 10 ms over all calls, so give it a few hundred.
 */
export async function backendCpuMs<T>(databaseUrl: string, items: T[], run: (q: Queryable, item: T) => Promise<unknown>): Promise<number | undefined> {
  const db = await openPostgres({ connectionString: databaseUrl, poolSize: 1, statementTimeoutMs: 600_000 });
  try {
    const [{ pid } = { pid: 0 }] = await db.sql<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    for (const item of items.slice(0, 5)) await run(db, item);
    const before = processCpuTicks(pid);
    for (const item of items) await run(db, item);
    const after = processCpuTicks(pid);
    const [{ same } = { same: false }] = await db.sql<{ same: boolean }>('SELECT pg_backend_pid() = $pid AS same', { pid });
    return before === undefined || after === undefined || !same ? undefined : ((after - before) * TICK_MS) / items.length;
  } finally {
    await db.close();
  }
}

export interface BenchServer {
  base: string;
  /** The session cookie of a staff member of the role asked for. */
  cookie: string;
  close(): Promise<void>;
}

/** The real app on a free port over the benchmark database, and a logged-in staff member of `role`. */
export async function startBenchServer(db: Db, role: Role): Promise<BenchServer> {
  const changes = await createChangeFeed(db);
  const app = createApp({ db, config: loadConfig({}), changes });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await changes.close();
  };
  try {
    const user = await createUser(db, { role });
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: user.login, password: TEST_PASSWORD }),
    });
    if (login.status !== 200) throw new Error(`login answered ${login.status}`);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c?.startsWith('misto_session='));
    if (!cookie) throw new Error('login set no session cookie');
    return { base, cookie, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * `npx tsx bench/<part>.ts` runs `npm run bench -- <part>`: bench/run.ts's throwaway PostGIS cluster,
 * its one city from fixtures/generate-city.ts, and this part alone (extra arguments pass through,
 * e.g. --small). A child process, so that run.ts stays the one place that builds the city.
 */
export function runAlone(part: string): never {
  const run = spawnSync(process.execPath, [...process.execArgv, path.join(import.meta.dirname, 'run.ts'), part, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
