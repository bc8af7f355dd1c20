// npm run scale-out: Misto past one process on one machine — a throwaway primary and a streaming hot standby, a generated city, 1 or 2 server processes, nginx in front — with the tile-heavy load mix run against each configuration.
//   npm run scale-out                               all four configurations (a few minutes)
//   npm run scale-out -- --seconds 30 --only 1p,2p+replica+nginx
// The configurations take turns in short slices (rounds), so that the machine's other work falls on all alike. Prints, per configuration:
// tile throughput and latency percentiles, the other kinds' throughput, the transactions on each node, and the factor against the first.
// Everything it starts (clusters, servers, nginx) is stopped at the end, on failure, on Ctrl-C and past --deadline.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startPgPair, type PgPair } from '../server/testing/pg-standby.js';
import { freePort } from '../server/testing/pg-cluster.js';
import { ensureNginx } from '../server/testing/nginx.js';
import { openLoadDatabase, startServers, stopServers, loadFixtures, type Fixtures } from './load/setup.js';
import { runKinds, formatFigures, type Kind, type KindFigures } from './load/mix.js';
import { CONFIGURATIONS, parseScaleOutArgs, renderNginxConf, type Configuration, type ScaleOutOptions } from './scale-out-config.js';

const root = path.resolve(import.meta.dirname, '..');
const log = (line: string) => console.log(line);
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

/** What was started, stopped in reverse order: at the end, on failure, on a signal, past the deadline. */
const teardown: (() => Promise<void>)[] = [];
let tornDown: Promise<void> | undefined;
function tearDown(): Promise<void> {
  tornDown ??= (async () => {
    for (const stop of teardown.reverse()) await stop().catch((err: Error) => log(`teardown: ${err.message}`));
  })();
  return tornDown;
}
const children = new Set<ChildProcess>();
// Whatever way the script ends, no nginx of its own outlives it (servers and clusters are in the teardown).
process.once('exit', () => { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL'); });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping everything`);
    void tearDown().finally(() => process.exit(130));
  });
}

/**
 * The tile-heavy mix: maps asking for tiles as fast as they are answered (the public map on the
 * news), beside the everyday traffic at fixed rates — citizens' ticket reads, operators' address
 * cards, and new tickets, each of which redraws its tiles.
 */
function tileHeavyMix(o: ScaleOutOptions): Kind[] {
  return [
    { name: 'tiles', connections: o.tileConnections },
    { name: 'ticket reads', connections: 4, rate: 50 },
    { name: 'address cards', connections: 2, rate: 20 },
    { name: 'intake', connections: 2, rate: 10 },
  ];
}

/** nginx in the foreground with deploy/nginx.conf adapted to this run; resolves once it answers. */
async function startNginx(bin: string, upstreams: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'misto-nginx-'));
  mkdirSync(path.join(dir, 'tmp'));
  const port = await freePort();
  const user = process.getuid?.() === 0 ? userInfo().username : undefined;
  const conf = renderNginxConf(readFileSync(path.join(root, 'deploy', 'nginx.conf'), 'utf8'), { port, upstreams, root: dir, ...(user ? { user } : {}) });
  const file = path.join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  const check = spawnSync(bin, ['-t', '-q', '-c', file, '-p', dir, '-e', path.join(dir, 'error.log')], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx refuses the configuration:\n${check.stderr}`);
  const proc = spawn(bin, ['-c', file, '-p', dir, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(proc);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      // QUIT lets the workers finish; the master exits once they have.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', () => { clearTimeout(timer); resolve(); });
        proc.kill('SIGQUIT');
      });
    }
    children.delete(proc);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited (${proc.exitCode}): ${stderr}${readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
    }
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not answer /health through to Misto in 15 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One configuration's measured slices, summed. */
interface Row {
  config: Configuration;
  /** Per slice: tile figures and the load average when it ended. */
  slices: { tiles: KindFigures; others: KindFigures[]; load: string }[];
  /** Transactions on the primary and on the standby over all its slices. */
  transactions: [number, number];
  cacheHits: string;
}

/** How many of the tiles nginx answered itself, from a sample of tile requests after the run. */
async function nginxHitShare(url: string, f: Fixtures): Promise<string> {
  const statuses = new Map<string, number>();
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${url}${f.tiles[Math.floor(Math.random() ** 2 * f.tiles.length)]}`, { headers: { 'accept-encoding': 'gzip' } });
    await res.arrayBuffer();
    const s = res.headers.get('x-cache-status') ?? 'none';
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  return [...statuses].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${Math.round((n / 2))}%`).join(', ');
}

/** Transactions each node has run so far (pg_stat_database; a standby counts its own reads). */
async function transactions(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT (xact_commit + xact_rollback)::int8 AS n FROM pg_stat_database WHERE datname = current_database()');
    return Number((rows[0] as { n: string }).n);
  } finally {
    await client.end();
  }
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * The processes every configuration needs, all started before any is measured: two plain ones
 * (the first alone is "1 process"), two reading from the standby, and nginx in front of those.
 * The configurations then take turns in short slices, so that what else the machine is doing
 * falls on all of them alike instead of on whichever ran when it was busiest.
 */
async function startTargets(configs: Configuration[], pair: PgPair, nginxBin: string | undefined): Promise<{ targets: Map<Configuration, string | string[]>; processes: string[] }> {
  const plainCount = Math.max(0, ...configs.filter((c) => !c.replica).map((c) => c.processes));
  const readingCount = Math.max(0, ...configs.filter((c) => c.replica).map((c) => c.processes));
  const plain = await startServers(pair.primaryUrl, plainCount, {});
  teardown.push(() => stopServers(plain));
  // MISTO_TRUST_PROXY for the nginx in front; asked directly, they see no X-Forwarded-* at all.
  const reading = await startServers(pair.primaryUrl, readingCount, { DATABASE_READ_URLS: pair.standbyUrl, MISTO_TRUST_PROXY: '1' });
  teardown.push(() => stopServers(reading));
  let nginx: string | undefined;
  if (configs.some((c) => c.nginx)) {
    if (!nginxBin) throw new Error('nginx is not installed and could not be');
    const started = await startNginx(nginxBin, reading.map((s) => new URL(s.url).host));
    teardown.push(started.stop);
    nginx = started.url;
  }
  const targets = new Map<Configuration, string | string[]>();
  for (const c of configs) {
    const servers = (c.replica ? reading : plain).slice(0, c.processes).map((s) => s.url);
    targets.set(c, c.nginx ? nginx! : servers.length === 1 ? servers[0]! : servers);
  }
  return { targets, processes: [...plain, ...reading].map((s) => s.url) };
}

/** Every tile of the mix asked once of every process, so that each starts measuring with the cache it would have after a while. */
async function fillCaches(processes: string[], tiles: string[]): Promise<void> {
  await Promise.all(processes.map(async (base) => {
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < tiles.length) {
        const res = await fetch(`${base}${tiles[next++]}`, { headers: { 'accept-encoding': 'gzip' } });
        await res.arrayBuffer();
      }
    }));
  }));
}

async function measure(configs: Configuration[], o: ScaleOutOptions, pair: PgPair, nginxBin: string | undefined): Promise<Row[]> {
  const { targets, processes } = await startTargets(configs, pair, nginxBin);
  const loaded = await loadFixtures(pair.primaryUrl, processes[0]!);
  // The most popular views only: the whole city's tiles would leave each measurement to depend on
  // how full that process's cache had become by then.
  const fixtures = { ...loaded, tiles: loaded.tiles.slice(0, o.tiles) };
  const t0 = Date.now();
  await fillCaches(processes, fixtures.tiles);
  log(`${fixtures.tiles.length} tiles asked of each of the ${processes.length} processes in ${((Date.now() - t0) / 1000).toFixed(1)} s (load average ${load()})`);
  const mix = tileHeavyMix(o);
  // autocannon spreads its connections over a list of URLs (its url option takes one or several;
  // mix.ts passes ours through): two processes without a proxy in front.
  const run = (c: Configuration, seconds: number) => runKinds(targets.get(c) as string, fixtures, mix, seconds);
  if (o.warmUp > 0) for (const c of configs) await run(c, o.warmUp);
  const rows: Row[] = configs.map((config) => ({ config, slices: [], transactions: [0, 0], cacheHits: '—' }));
  const slice = Math.round(o.seconds / o.rounds);
  for (let round = 1; round <= o.rounds; round++) {
    const line: string[] = [];
    // Each round starts with the next configuration, so none is always the first or the last.
    for (const row of [...rows.slice((round - 1) % rows.length), ...rows.slice(0, (round - 1) % rows.length)]) {
      const before = await Promise.all([transactions(pair.primaryUrl), transactions(pair.standbyUrl)]);
      const figures = await run(row.config, slice);
      // Statistics reach pg_stat_database within a second of the statements.
      await new Promise((r) => setTimeout(r, 1_200));
      const after = await Promise.all([transactions(pair.primaryUrl), transactions(pair.standbyUrl)]);
      row.transactions[0] += after[0] - before[0];
      row.transactions[1] += after[1] - before[1];
      const tiles = figures.find((k) => k.name === 'tiles')!;
      row.slices.push({ tiles, others: figures.filter((k) => k.name !== 'tiles'), load: load() });
      line.push(`${row.config.id} ${tiles.perSecond.toFixed(0)}/s`);
      if (round === o.rounds) log(`\n== ${row.config.label}, last slice (load average ${load()})\n${formatFigures(figures)}`);
    }
    log(`round ${round} of ${o.rounds}, tiles: ${line.join(' · ')} (load average ${load()})`);
  }
  const nginx = configs.find((c) => c.nginx);
  if (nginx) rows.find((r) => r.config === nginx)!.cacheHits = await nginxHitShare(targets.get(nginx) as string, fixtures);
  return rows;
}

function table(rows: Row[]): string {
  const head = '| configuration | tiles req/s | p50 / p90 / p99 ms (median of slices) | factor (median of rounds) | tile answers not 2xx | other kinds req/s | transactions primary / standby | nginx cache (sample) | load average at its slices |';
  const lines = rows.map((r) => {
    const all = r.slices.map((s) => s.tiles);
    const requests = all.reduce((n, t) => n + t.requests, 0);
    const perSecond = all.reduce((n, t) => n + t.perSecond, 0) / all.length;
    const factor = median(r.slices.map((s, i) => s.tiles.perSecond / rows[0]!.slices[i]!.tiles.perSecond));
    const bad = new Map<string, number>();
    for (const t of all) for (const [c, n] of Object.entries(t.statuses)) if (!/^2\d\d$/.test(c)) bad.set(c, (bad.get(c) ?? 0) + n);
    const failed = all.reduce((n, t) => n + t.errors + t.timeouts, 0);
    const others = r.slices.reduce((n, s) => n + s.others.reduce((m, k) => m + k.perSecond, 0), 0) / r.slices.length;
    const p = (k: 'p50' | 'p90' | 'p99') => median(all.map((t) => t[k])).toFixed(0);
    const loads = r.slices.map((s) => s.load.split(' ')[0]).join(', ');
    return `| ${r.config.label} | ${perSecond.toFixed(0)} (${requests} in all) | ${p('p50')} / ${p('p90')} / ${p('p99')} | ${factor.toFixed(2)}× | ${[...bad].map(([c, n]) => `${c}×${n}`).join(' ') || '0'}${failed ? `, ${failed} failed` : ''} | ${others.toFixed(0)} | ${r.transactions[0]} / ${r.transactions[1]} | ${r.cacheHits} | ${loads} |`;
  });
  return [head, `|${'---|'.repeat(9)}`, ...lines].join('\n');
}

async function main() {
  let o: ScaleOutOptions;
  try {
    o = parseScaleOutArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const started = Date.now();
  const deadline = setTimeout(() => {
    log(`\nthe run passed its deadline (${o.deadlineS} s): stopping everything`);
    void tearDown().finally(() => process.exit(1));
  }, o.deadlineS * 1000);
  deadline.unref();
  log(`machine: ${cpus().length} cores, load average ${load()} before the run (shared with other work: the figures scale with what is left of it)`);
  const configs = CONFIGURATIONS.filter((c) => o.only.includes(c.id));
  const nginxBin = configs.some((c) => c.nginx) ? ensureNginx(log) : undefined;

  log('starting a primary and a streaming hot standby (pg_basebackup)…');
  const pair = await startPgPair();
  teardown.push(() => pair.destroy());
  // The city goes into the pair's database through the load script's own setup (LOAD_DATABASE_URL is its way in).
  process.env.LOAD_DATABASE_URL = pair.primaryUrl;
  await openLoadDatabase({ kind: 'generated', size: o.city }, log);
  const t0 = Date.now();
  await pair.caughtUp(300_000);
  log(`the standby replayed the city in ${((Date.now() - t0) / 1000).toFixed(1)} s more`);

  const rows = await measure(configs, o, pair, nginxBin);
  log(`\n== tile-heavy mix, ${o.rounds} rounds of ${Math.round(o.seconds / o.rounds)} s per configuration after ${o.warmUp} s of warm-up each: ${o.tiles} different tiles on ${o.tileConnections} connections as fast as answered, ticket reads 50/s, address cards 20/s, intake 10/s (each at most as fast as answered); city ${o.city.addresses} addresses, ${o.city.tickets} tickets, ${o.city.objects} objects; ${cpus().length} cores`);
  log(table(rows));
  log(`\nwhole run ${((Date.now() - started) / 1000).toFixed(0)} s`);
  clearTimeout(deadline);
}

main().then(
  () => tearDown(),
  async (err: Error) => {
    console.error(err.stack ?? err.message);
    await tearDown();
    process.exitCode = 1;
  },
);
