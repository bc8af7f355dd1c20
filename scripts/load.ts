// npm run load: a realistic mix against Misto on a real PostGIS (loopback only, bounded in time), then a run past capacity and the recovery after it.
//   npm run load                              throwaway cluster + generated city + one server process
//   npm run load -- --seconds 30 --sse 800    longer mix, more connected maps
//   LOAD_DATABASE_URL=postgres://… npm run load   a database of your own (a city is generated if it is empty)
//   npm run load -- --url http://127.0.0.1:8080   a server already running on LOAD_DATABASE_URL's database
// Prints, per kind of traffic: requests, throughput, latency percentiles, statuses and errors.
import { performance } from 'node:perf_hooks';
import { openLoadDatabase, startServers, stopServers, loadFixtures, type CitySize, type Fixtures } from './load/setup.js';
import { runKinds, formatFigures, type Kind, type KindFigures } from './load/mix.js';
import { connectCrowd, type LiveCrowd } from './load/live.js';
import { cpuMeter } from './load/cpu.js';
import { loadavg, cpus } from 'node:os';
import { postOpen311, type ServerProcess } from '../server/testing/server-process.js';

/** DESIGN.md: ticket intake ≥ 300 tickets/s sustained through Open311 POST. */
const INTAKE_TARGET = 300;

interface Options {
  seconds: number;
  overloadSeconds: number;
  sse: number;
  intakeConnections: number;
  overloadConnections: number;
  city: CitySize;
  url: string | undefined;
  env: Record<string, string>;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    seconds: 20, overloadSeconds: 10, sse: 500, intakeConnections: 24, overloadConnections: 600,
    city: { addresses: 20_000, tickets: 50_000, objects: 10_000 }, url: undefined, env: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const int = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number`);
      i++;
      return n;
    };
    switch (flag) {
      case '--seconds': o.seconds = Math.min(int(), 300); break;
      case '--overload-seconds': o.overloadSeconds = Math.min(int(), 120); break;
      case '--sse': o.sse = Math.min(int(), 5_000); break;
      case '--intake-connections': o.intakeConnections = int(); break;
      case '--overload-connections': o.overloadConnections = Math.min(int(), 4_000); break;
      case '--addresses': o.city.addresses = int(); break;
      case '--tickets': o.city.tickets = int(); break;
      case '--objects': o.city.objects = int(); break;
      case '--pool': o.env.DB_POOL_SIZE = String(int()); break;
      case '--max-queue': o.env.DB_MAX_QUEUE = String(int()); break;
      case '--url': o.url = value; i++; break;
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  if (o.url && !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(o.url)) {
    throw new Error('--url must be a loopback address (http://127.0.0.1:PORT or http://localhost:PORT): a load run never leaves this machine');
  }
  if (o.url && !process.env.LOAD_DATABASE_URL) throw new Error('--url needs LOAD_DATABASE_URL: the database that server uses (for the fixtures)');
  return o;
}

const log = (line: string) => console.log(line);
const ms = (n: number | null) => (n === null ? '—' : `${n.toFixed(0)} ms`);

/** The everyday mix: intake as fast as it is answered, the rest at the rates a busy morning brings. */
function everydayMix(o: Options): Kind[] {
  return [
    { name: 'intake', connections: o.intakeConnections },
    { name: 'tiles', connections: 16, rate: 200 },
    { name: 'ticket reads', connections: 8, rate: 100 },
    { name: 'address cards', connections: 4, rate: 40 },
    { name: 'outage edits', connections: 2, rate: 4 },
  ];
}

/** Samples how fast a new ticket reaches every connected map, a few times during a run. */
async function probeFreshness(baseUrl: string, f: Fixtures, crowd: LiveCrowd, seconds: number): Promise<{ ms: number | null; reached: number; of: number }[]> {
  const results: { ms: number | null; reached: number; of: number }[] = [];
  const end = performance.now() + seconds * 1000;
  for (let n = 0; performance.now() < end - 3000; n++) {
    await new Promise((r) => setTimeout(r, 2000));
    const marker = `probe-${Date.now()}-${n}`;
    const [lon, lat] = f.points[n % f.points.length]!;
    const waiting = crowd.timeToAll(marker, 5_000);
    await postOpen311(baseUrl, f.apiKey, { service_code: f.serviceCodes[0]!, lat, long: lon, description: `Перевірка свіжості ${marker}` }).catch(() => undefined);
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

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const database = await openLoadDatabase(o.city, log);
  let servers: ServerProcess[] = [];
  let crowd: LiveCrowd | undefined;
  try {
    log(`database: ${database.origin}`);
    // The machine is shared: a load average far above its cores means every figure below is low.
    log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} before the run`);
    if (!o.url) servers = await startServers(database.url, 1, o.env);
    const baseUrl = o.url ?? servers[0]!.url;
    log(`server: ${baseUrl}${o.url ? '' : ` (one process; DB_POOL_SIZE ${o.env.DB_POOL_SIZE ?? 'default'}, DB_MAX_QUEUE ${o.env.DB_MAX_QUEUE ?? 'default'})`}`);
    const f = await loadFixtures(database.url, baseUrl);

    crowd = await connectCrowd(baseUrl, o.sse);
    log(`live: ${crowd.connected()} maps connected to /api/live`);

    log(`\n== mix: ${o.seconds} s — intake on ${o.intakeConnections} connections as fast as answered; tiles 200/s, ticket reads 100/s, address cards 40/s, outage edits 4/s`);
    const eventsBefore = crowd.ticketEvents();
    const pids = servers.map((sv) => sv.child.pid!);
    let cpu = cpuMeter(pids);
    const [mix, freshness] = await Promise.all([
      runKinds(baseUrl, f, everydayMix(o), o.seconds),
      probeFreshness(baseUrl, f, crowd, o.seconds),
    ]);
    log(formatFigures(mix));
    log(`  ${cpu()}`);
    const intake = mix.find((k) => k.name === 'intake')!;
    const intakeOk = (intake.statuses['200'] ?? 0) / o.seconds;
    const failures = mix.reduce((n, k) => n + k.errors + k.timeouts + Object.entries(k.statuses).filter(([c]) => Number(c) >= 500).reduce((a, [, c]) => a + c, 0), 0);
    log(`  intake: ${intakeOk.toFixed(0)} tickets/s acknowledged (target ≥ ${INTAKE_TARGET}: ${intakeOk >= INTAKE_TARGET ? 'met' : 'NOT met'}); answers ≥ 500 (503s, shed, included) and failed connections over all kinds: ${failures}`);
    const delivered = freshness.filter((p) => p.ms !== null).map((p) => p.ms!);
    log(`  live: ${crowd.connected()} maps still connected, ${crowd.dropped()} dropped; ${((crowd.ticketEvents() - eventsBefore) / Math.max(1, crowd.connected())).toFixed(0)} ticket events per map; ` +
      `a probe ticket reached every map in ${delivered.length ? `${ms(Math.min(...delivered))}–${ms(Math.max(...delivered))}` : '—'} (${delivered.length} of ${freshness.length} probes reached all; target ≤ 1 s after commit, measured here from before the POST)`);

    // Past capacity: new requests arrive faster than the mix was answered (three times, and at least
    // 200/s more), on many connections, as when a district's heating fails at once. A fixed arrival
    // rate, as people's calls come, rather than clients that resend the moment they are refused.
    const offered = Math.round(Math.max(3 * intakeOk, intakeOk + 200));
    log(`\n== past capacity: ${o.overloadSeconds} s — intake offered ${offered}/s on ${o.overloadConnections} connections, ticket reads 200/s on 100`);
    cpu = cpuMeter(pids);
    const overload = await runKinds(baseUrl, f, [
      { name: 'intake', connections: o.overloadConnections, rate: offered },
      { name: 'ticket reads', connections: 100, rate: 200 },
    ], o.overloadSeconds);
    log(formatFigures(overload));
    log(`  ${cpu()}`);
    for (const k of overload) {
      log(`  ${k.name}: ${k.refused.count} refused with 503 (${k.refused.withRetryAfter} with Retry-After) in p50 ${k.refused.p50} ms / p99 ${k.refused.p99} ms / max ${k.refused.max} ms; ` +
        `admitted answered in p50 ${k.ok.p50} ms / p99 ${k.ok.p99} ms`);
    }

    const back = await untilServing(baseUrl, f);
    log(`  after the overload stopped, the first ticket was acknowledged in ${ms(back)}`);

    log('\n== recovery: the next 5 s, at a moderate rate (intake 100/s, tiles 100/s, ticket reads 50/s)');
    const t0 = performance.now();
    cpu = cpuMeter(pids);
    const recovery = await runKinds(baseUrl, f, [
      { name: 'intake', connections: 16, rate: 100 },
      { name: 'tiles', connections: 8, rate: 100 },
      { name: 'ticket reads', connections: 8, rate: 50 },
    ], 5);
    log(formatFigures(recovery));
    log(`  ${cpu()}`);
    const refusedAfter = recovery.reduce((n, k) => n + (k.statuses['503'] ?? 0), 0);
    log(`  ${refusedAfter === 0 ? 'recovered: no 503 once the overload stopped' : `${refusedAfter} requests still refused in the ${((performance.now() - t0) / 1000).toFixed(0)} s after the overload`}; ` +
      `live: ${crowd.connected()} maps connected, ${crowd.dropped()} dropped in all`);
    printSummary(intakeOk, mix, overload, recovery);
  } finally {
    crowd?.close();
    await stopServers(servers);
    await database.close();
    log(`\nload: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
}

function printSummary(intakeOk: number, mix: KindFigures[], overload: KindFigures[], recovery: KindFigures[]) {
  const errors = (ks: KindFigures[], from: number) => ks.reduce((n, k) => n + Object.entries(k.statuses).filter(([c]) => Number(c) >= from && c !== '503').reduce((a, [, c]) => a + c, 0), 0);
  const refused = overload.reduce((n, k) => n + k.refused.count, 0);
  const withRetry = overload.reduce((n, k) => n + k.refused.withRetryAfter, 0);
  log('\n== summary');
  log(`  intake sustained in the mix: ${intakeOk.toFixed(0)} tickets/s (target ≥ ${INTAKE_TARGET})`);
  log(`  answers ≥ 500 other than 503: mix ${errors(mix, 500)}, past capacity ${errors(overload, 500)}, recovery ${errors(recovery, 500)}`);
  log(`  past capacity: ${refused} fast 503s, ${withRetry} of them with Retry-After; timeouts ${overload.reduce((n, k) => n + k.timeouts, 0)}`);
}

main().catch((err: Error) => {
  console.error(`load: ${err.message}`);
  process.exit(1);
});
