// npm run load: intake alone (what a ticket costs each side), a realistic mix against Misto on a real PostGIS (loopback only, bounded in time), then a run past capacity and the recovery after it.
//   npm run load                                 throwaway cluster + the demo city + one server process (about 50 s)
//   npm run load -- --only intake,tiles --cpu-prof /tmp/prof   a mix of just those kinds; the server's V8 CPU profile written on exit
//   npm run load -- --seconds 30 --connections 48 --sse 800    a longer mix, more intake connections, more connected maps
//   npm run load -- --addresses 20000 --tickets 50000 --objects 10000   a generated city of that size instead of the demo city
//   LOAD_DATABASE_URL=postgres://… npm run load  a database of your own (the city is loaded if it is empty)
//   npm run load -- --url http://127.0.0.1:8080  a server already running on LOAD_DATABASE_URL's database
// Prints, per kind of traffic: requests, throughput, latency percentiles, statuses and errors.
import { performance } from 'node:perf_hooks';
import { loadavg, cpus } from 'node:os';
import { openLoadDatabase, startServers, stopServers, loadFixtures, type CityChoice, type Fixtures } from './load/setup.js';
import { runKinds, formatFigures, type Kind, type KindFigures } from './load/mix.js';
import { connectCrowd, type LiveCrowd } from './load/live.js';
import { cpuMeter, type CpuUse } from './load/cpu.js';
import { postOpen311, type ServerProcess } from '../server/testing/server-process.js';

/** DESIGN.md: ticket intake ≥ 300 tickets/s sustained through Open311 POST. */
const INTAKE_TARGET = 300;

interface Options {
  seconds: number;
  aloneSeconds: number;
  warmUpSeconds: number;
  overloadSeconds: number;
  recoverySeconds: number;
  sse: number;
  intakeConnections: number;
  overloadConnections: number;
  city: CityChoice;
  url: string | undefined;
  env: Record<string, string>;
  /** Kinds of the everyday mix to drive (all when empty). */
  only: string[];
  /** A directory for the server's V8 CPU profile (node --cpu-prof), written when it stops. */
  cpuProf: string | undefined;
}

const USAGE = `npm run load -- [--seconds 10] [--warm-up-seconds 4] [--alone-seconds 6] [--overload-seconds 6] [--recovery-seconds 4] [--connections 24] [--overload-connections 400] [--sse 500]
                    [--only intake,tiles,...] [--cpu-prof DIR] [--addresses N --tickets N --objects N] [--pool N] [--max-queue N] [--max-wait-ms N] [--statement-timeout-ms N] [--url http://127.0.0.1:PORT]`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    seconds: 10, aloneSeconds: 6, warmUpSeconds: 4, overloadSeconds: 6, recoverySeconds: 4, sse: 500, intakeConnections: 24, overloadConnections: 400,
    city: { kind: 'demo' }, url: undefined, env: {}, only: [], cpuProf: undefined,
  };
  const size = { addresses: 20_000, tickets: 50_000, objects: 10_000 };
  let generated = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const int = (min: number, max: number) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} needs a whole number from ${min} to ${max}\n${USAGE}`);
      i++;
      return n;
    };
    switch (flag) {
      case '--seconds': o.seconds = int(1, 300); break;
      case '--alone-seconds': o.aloneSeconds = int(0, 120); break;
      case '--warm-up-seconds': o.warmUpSeconds = int(0, 120); break;
      case '--overload-seconds': o.overloadSeconds = int(0, 120); break;
      case '--recovery-seconds': o.recoverySeconds = int(1, 120); break;
      case '--sse': o.sse = int(0, 5_000); break;
      case '--connections': o.intakeConnections = int(1, 1_000); break;
      case '--overload-connections': o.overloadConnections = int(1, 4_000); break;
      case '--addresses': size.addresses = int(1, 10_000_000); generated = true; break;
      case '--tickets': size.tickets = int(0, 50_000_000); generated = true; break;
      case '--objects': size.objects = int(0, 10_000_000); generated = true; break;
      case '--pool': o.env.DB_POOL_SIZE = String(int(1, 500)); break;
      case '--max-queue': o.env.DB_MAX_QUEUE = String(int(0, 100_000)); break;
      case '--max-wait-ms': o.env.DB_MAX_WAIT_MS = String(int(0, 600_000)); break;
      case '--statement-timeout-ms': o.env.DB_STATEMENT_TIMEOUT_MS = String(int(100, 600_000)); break;
      case '--url': o.url = value; i++; break;
      case '--only': o.only = (value ?? '').split(',').map((k) => k.trim()).filter(Boolean); i++; break;
      case '--cpu-prof': o.cpuProf = value; i++; break;
      case '--help': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (generated) o.city = { kind: 'generated', size };
  const kinds = ['intake', 'tiles', 'ticket reads', 'address cards', 'outage edits'];
  const unknown = o.only.filter((k) => !kinds.includes(k));
  if (unknown.length > 0) throw new Error(`--only takes ${kinds.join(', ')} (comma-separated); not ${unknown.join(', ')}`);
  if (o.url && !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(o.url)) {
    throw new Error('--url must be a loopback address (http://127.0.0.1:PORT or http://localhost:PORT): a load run never leaves this machine');
  }
  if (o.url && !process.env.LOAD_DATABASE_URL) throw new Error('--url needs LOAD_DATABASE_URL: the database that server uses (for the fixtures)');
  return o;
}

const log = (line: string) => console.log(line);
const ms = (n: number | null) => (n === null ? '—' : `${n.toFixed(0)} ms`);
const machine = () => `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`;

/** The everyday mix: intake as fast as it is answered, the rest at the rates a busy morning brings. */
function everydayMix(o: Options): Kind[] {
  const all: Kind[] = [
    { name: 'intake', connections: o.intakeConnections },
    { name: 'tiles', connections: 16, rate: 200 },
    { name: 'ticket reads', connections: 8, rate: 100 },
    { name: 'address cards', connections: 4, rate: 40 },
    { name: 'outage edits', connections: 1, rate: 4 },
  ];
  return o.only.length === 0 ? all : all.filter((k) => o.only.includes(k.name));
}

/** Samples how fast a new ticket reaches every connected map, a few times during a run. */
async function probeFreshness(baseUrl: string, f: Fixtures, crowd: LiveCrowd, seconds: number): Promise<{ ms: number | null; reached: number; of: number }[]> {
  const results: { ms: number | null; reached: number; of: number }[] = [];
  const end = performance.now() + seconds * 1000;
  for (let n = 0; performance.now() < end - 3000; n++) {
    await new Promise((r) => setTimeout(r, 2000));
    // The maps hear tickets in brief (id, place, state), as the web app does: a probe is told
    // apart by its place, a longitude with eight decimals (the last a 7) where the mix's tickets have six.
    const [lon0, lat] = f.points[n % f.points.length]!;
    const lon = Number(`${lon0.toFixed(4)}${100 + ((Date.now() + n) % 900)}7`);
    const waiting = crowd.timeToAll(`"long":${lon}`, 5_000);
    await postOpen311(baseUrl, f.apiKey, { service_code: f.serviceCodes[0]!, lat, long: lon, description: `Перевірка свіжості ${n}` }).catch(() => undefined);
    results.push(await waiting);
  }
  return results;
}

/** Ms from now until an intake POST is acknowledged again (null: not within 30 s). */
async function untilServing(baseUrl: string, f: Fixtures): Promise<number | null> {
  const t0 = performance.now();
  while (performance.now() - t0 < 30_000) {
    const [lon, lat] = f.points[0]!;
    const answer = await postOpen311(baseUrl, f.apiKey, { service_code: f.serviceCodes[0]!, lat, long: lon, description: 'Після перевантаження' }, { signal: AbortSignal.timeout(10_000) })
      .catch(() => undefined);
    if (answer?.id !== undefined) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

interface TicketCost {
  /** CPU ms per acknowledged ticket: the server, PostgreSQL, the load generator. */
  server: number;
  db: number;
  generator: number;
}

function ticketCost(use: CpuUse, tickets: number): TicketCost | undefined {
  if (tickets === 0 || use.serverMs === undefined || use.dbMs === undefined) return undefined;
  return { server: use.serverMs / tickets, db: use.dbMs / tickets, generator: use.generatorMs / tickets };
}

/** CPU per ticket, and the cores the target rate takes at that cost next to the cores there are. */
function describeCost(c: TicketCost | undefined): string {
  if (!c) return 'CPU per ticket not measured (a server or database of your own)';
  const cores = (ms: number) => ((ms * INTAKE_TARGET) / 1000).toFixed(2);
  return `CPU per ticket: server ${c.server.toFixed(2)} ms, PostgreSQL ${c.db.toFixed(2)} ms, load generator ${c.generator.toFixed(2)} ms — ` +
    `${INTAKE_TARGET} tickets/s at this cost takes ${cores(c.server + c.db)} cores for Misto (${cores(c.server + c.db + c.generator)} with the generator) of the ${cpus().length} this machine has, before any other traffic`;
}

const serverErrors = (ks: KindFigures[]) => ks.reduce((n, k) => n + Object.entries(k.statuses).filter(([c]) => Number(c) >= 500 && c !== '503').reduce((a, [, c]) => a + c, 0), 0);
const failedConnections = (ks: KindFigures[]) => ks.reduce((n, k) => n + k.errors + k.timeouts, 0);

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = performance.now();
  log(`machine: ${machine()} before the run (the machine may be shared: the figures below scale with what is left of it)`);
  const database = await openLoadDatabase(o.city, log);
  let servers: ServerProcess[] = [];
  let crowd: LiveCrowd | undefined;
  try {
    log(`database: ${database.origin}`);
    if (!o.url) servers = await startServers(database.url, 1, o.env, o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProf] : []);
    const baseUrl = o.url ?? servers[0]!.url;
    const settings = ['DB_POOL_SIZE', 'DB_STATEMENT_TIMEOUT_MS', 'DB_MAX_QUEUE', 'DB_MAX_WAIT_MS'].map((k) => `${k} ${o.env[k] ?? 'default'}`).join(', ');
    log(`server: ${baseUrl}${o.url ? '' : ` (one process; ${settings}: see server/config.ts)`}`);
    const f = await loadFixtures(database.url, baseUrl);

    crowd = await connectCrowd(baseUrl, o.sse);
    log(`live: ${crowd.connected()} maps connected to /api/live`);
    const meter = () => cpuMeter(servers.map((sv) => sv.child.pid!), database.pids);

    // A few seconds of the mix first, not counted: a fresh server compiles its hot paths (V8's
    // optimising compiler runs on threads of its own) and fills its caches, and that CPU would
    // otherwise be put on the first phase's tickets.
    if (o.warmUpSeconds > 0) {
      log(`\nwarm-up: ${o.warmUpSeconds} s of the mix, not counted`);
      await runKinds(baseUrl, f, everydayMix(o), o.warmUpSeconds);
    }

    // Intake alone first: what one acknowledged ticket costs each side of this machine (the live
    // maps connected, as in the mix), so that the mix's intake figure can be read against it.
    let alone: { perSecond: number; cost: TicketCost | undefined } | undefined;
    if (o.aloneSeconds > 0) {
      log(`\n== intake alone: ${o.aloneSeconds} s — intake on ${o.intakeConnections} connections as fast as answered, nothing else; ${crowd.connected()} live maps`);
      const cpuAlone = meter();
      const only = await runKinds(baseUrl, f, [{ name: 'intake', connections: o.intakeConnections }], o.aloneSeconds);
      const use = cpuAlone();
      log(formatFigures(only));
      log(`  ${use.text}`);
      const acknowledged = only[0]!.statuses['200'] ?? 0;
      alone = { perSecond: acknowledged / only[0]!.seconds, cost: ticketCost(use, acknowledged) };
      log(`  intake alone: ${alone.perSecond.toFixed(0)} tickets/s acknowledged; ${describeCost(alone.cost)}`);
    }

    log(`\n== mix: ${o.seconds} s — intake on ${o.intakeConnections} connections as fast as answered; tiles 200/s (popular views first), ticket reads 100/s, address cards 40/s, outage edits 4/s; ${crowd.connected()} live maps`);
    const eventsBefore = crowd.ticketEvents();
    let cpu = meter();
    const [mix, freshness] = await Promise.all([
      runKinds(baseUrl, f, everydayMix(o), o.seconds),
      probeFreshness(baseUrl, f, crowd, o.seconds),
    ]);
    log(formatFigures(mix));
    log(`  ${cpu().text}`);
    const intake = mix.find((k) => k.name === 'intake');
    const intakeOk = intake ? (intake.statuses['200'] ?? 0) / intake.seconds : 0;
    const shed = mix.reduce((n, k) => n + (k.statuses['503'] ?? 0), 0);
    log(`  intake: ${intakeOk.toFixed(0)} tickets/s acknowledged (target ≥ ${INTAKE_TARGET}: ${intakeOk >= INTAKE_TARGET ? 'met' : 'NOT met'}); ` +
      `answers ≥ 500 other than 503: ${serverErrors(mix)}; 503 (shed): ${shed}; failed connections: ${failedConnections(mix)}`);
    const delivered = freshness.filter((p) => p.ms !== null).map((p) => p.ms!);
    log(`  live: ${crowd.connected()} maps still connected, ${crowd.dropped()} dropped; ${((crowd.ticketEvents() - eventsBefore) / Math.max(1, crowd.connected())).toFixed(0)} ticket events per map; ` +
      `a probe ticket reached every map in ${delivered.length ? `${ms(Math.min(...delivered))}–${ms(Math.max(...delivered))}` : '—'} (${delivered.length} of ${freshness.length} probes reached all; target ≤ 1 s after commit, measured here from before the POST)`);

    // Past capacity: new requests arrive faster than the mix was answered (three times, and at least
    // 200/s more), on many connections, as when a district's heating fails at once. A fixed arrival
    // rate, as people's calls come, rather than clients that resend the moment they are refused.
    let overload: KindFigures[] = [];
    let back: number | null = 0;
    if (o.overloadSeconds > 0) {
      const offered = Math.round(Math.max(3 * intakeOk, intakeOk + 200));
      log(`\n== past capacity: ${o.overloadSeconds} s — intake offered ${offered}/s on up to ${o.overloadConnections} connections, ticket reads 200/s on 100`);
      cpu = meter();
      overload = await runKinds(baseUrl, f, [
        { name: 'intake', connections: o.overloadConnections, rate: offered },
        { name: 'ticket reads', connections: 100, rate: 200 },
      ], o.overloadSeconds);
      log(formatFigures(overload));
      log(`  ${cpu().text}`);
      for (const k of overload) {
        log(`  ${k.name}: ${k.refused.count} refused with 503 (${k.refused.withRetryAfter} with Retry-After) in p50 ${ms(k.refused.p50)} / p99 ${ms(k.refused.p99)} / max ${ms(k.refused.max)}; ` +
          `${k.okCount} admitted and answered 2xx in p50 ${ms(k.ok.p50)} / p99 ${ms(k.ok.p99)}; ${k.timeouts} timeouts`);
      }
      back = await untilServing(baseUrl, f);
      log(`  after the overload stopped, the first ticket was acknowledged in ${ms(back)}`);
    }

    log(`\n== recovery: the next ${o.recoverySeconds} s at a moderate rate (intake 50/s, tiles 100/s, ticket reads 50/s)`);
    cpu = meter();
    const recovery = await runKinds(baseUrl, f, [
      { name: 'intake', connections: 8, rate: 50 },
      { name: 'tiles', connections: 8, rate: 100 },
      { name: 'ticket reads', connections: 8, rate: 50 },
    ], o.recoverySeconds);
    log(formatFigures(recovery));
    log(`  ${cpu().text}`);
    const refusedAfter = recovery.reduce((n, k) => n + (k.statuses['503'] ?? 0), 0);
    log(`  ${refusedAfter === 0 ? 'recovered: no 503 once the overload stopped' : `${refusedAfter} requests still refused with 503 after the overload`}; ` +
      `live: ${crowd.connected()} maps connected, ${crowd.dropped()} dropped in all`);

    const refused = overload.reduce((n, k) => n + k.refused.count, 0);
    const withRetry = overload.reduce((n, k) => n + k.refused.withRetryAfter, 0);
    log('\n== summary');
    log(`  machine: ${machine()} after the run`);
    if (alone) log(`  intake alone on this machine: ${alone.perSecond.toFixed(0)} tickets/s; ${describeCost(alone.cost)}`);
    log(`  intake sustained in the mix: ${intakeOk.toFixed(0)} tickets/s (target ≥ ${INTAKE_TARGET})`);
    log(`  answers ≥ 500 other than 503: mix ${serverErrors(mix)}, past capacity ${serverErrors(overload)}, recovery ${serverErrors(recovery)}; ` +
      `failed connections or timeouts: mix ${failedConnections(mix)}, past capacity ${failedConnections(overload)}, recovery ${failedConnections(recovery)}`);
    if (o.overloadSeconds > 0) {
      log(`  past capacity: ${refused} 503s, ${withRetry} of them with Retry-After; serving again ${ms(back)} after it; ${refusedAfter} refused in the recovery`);
    }
    log(`  live: ${crowd.connected()} of ${o.sse} maps connected at the end`);
  } finally {
    crowd?.close();
    await stopServers(servers);
    await database.close();
    log(`\nload: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
}

main().catch((err: Error) => {
  console.error(`load: ${err.message}`);
  process.exit(1);
});
