// npm run bench: ONE generated city in a real PostGIS, then the benchmark parts on it, then one
// table of every figure next to its baseline from the same run and its DESIGN.md target.
//   npm run bench                                   all parts, 100,000 addresses, 1 M tickets, 500,000 objects
//   npm run bench -- tiles ownership                only these parts
//   npm run bench -- --small                        10,000 addresses, 100,000 tickets, 50,000 objects, shorter loads
//   npm run bench -- --tickets=5000000 [--addresses=N --objects=N --duration=S] [--jit]
// The database is a throwaway cluster (with pg_stat_statements) unless MISTO_BENCH_DATABASE_URL
// names one; there, a city already present is used as it is. JIT compilation is turned off for
// the benchmark database (--jit keeps it): it costs hundreds of milliseconds per statement whose
// planned cost passes jit_above_cost, as a low-zoom tile's does, for statements that run in tens
// of milliseconds; so should a Misto database in production (ALTER DATABASE … SET jit = off).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Db } from '../server/db/db.js';
import { openPostgres } from '../server/db/postgres.js';
import { migrate } from '../server/db/migrate.js';
import { startPgCluster, destroyPgCluster, type PgCluster } from '../server/testing/pg-cluster.js';
import { generateCity } from '../fixtures/generate-city.js';
import { cityCounts, isTaken } from '../fixtures/city.js';
import type { BenchContext, BenchFigure, BenchPart } from './context.js';
import { benchTiles } from './tiles.js';

const PART_NAMES = ['tiles', 'outages', 'ownership', 'intake'] as const;
type PartName = (typeof PART_NAMES)[number];

const FULL = { addresses: 100_000, tickets: 1_000_000, objects: 500_000 };
const SMALL = { addresses: 10_000, tickets: 100_000, objects: 50_000 };

interface Args {
  parts: PartName[];
  named: boolean;
  city: { addresses: number; tickets: number; objects: number };
  durationS: number;
  small: boolean;
  jit: boolean;
}

function usage(message: string): never {
  console.error(`bench: ${message}\nusage: npm run bench -- [${PART_NAMES.join(' ')}] [--small] [--addresses=N] [--tickets=N] [--objects=N] [--duration=S] [--jit]`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const small = argv.includes('--small');
  const city = { ...(small ? SMALL : FULL) };
  let durationS = small ? 4 : 10;
  const parts: PartName[] = [];
  for (const arg of argv) {
    if (arg === '--small' || arg === '--jit') continue;
    const m = /^--(addresses|tickets|objects|duration)=([0-9_]+)$/.exec(arg);
    if (m) {
      const n = Number(m[2]!.replaceAll('_', ''));
      if (m[1] === 'duration') durationS = Math.max(1, n);
      else city[m[1] as keyof typeof city] = n;
      continue;
    }
    if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    if (!(PART_NAMES as readonly string[]).includes(arg)) usage(`no part "${arg}"`);
    if (!parts.includes(arg as PartName)) parts.push(arg as PartName);
  }
  return { parts: parts.length > 0 ? parts : [...PART_NAMES], named: parts.length > 0, city, durationS, small, jit: argv.includes('--jit') };
}

/**
 * A part's BenchPart: the tiles part is built here with the run's options; the others are
 * found by their export (`bench<Name>` or `<name>Part`, else the one export named "…Part").
 * Undefined, with the reason, while a part's module does not offer one yet.
 */
async function loadPart(name: PartName, args: Args): Promise<{ part?: BenchPart; reason?: string }> {
  if (name === 'tiles') {
    return { part: benchTiles({ durationS: args.durationS, ...(args.small ? { tilesPerSet: 100, freshnessSamples: 5 } : {}) }) };
  }
  if (!existsSync(path.join(import.meta.dirname, `${name}.ts`))) return { reason: `bench/${name}.ts does not exist yet` };
  let mod: Record<string, unknown>;
  try {
    mod = (await import(`./${name}.js`)) as Record<string, unknown>;
  } catch (err) {
    return { reason: `bench/${name}.ts does not load (${(err as Error).message.split('\n')[0]})` };
  }
  const names = [`bench${name[0]!.toUpperCase()}${name.slice(1)}`, `${name}Part`];
  const exact = names.map((key) => mod[key]).find((v) => typeof v === 'function');
  const parts = Object.entries(mod).filter(([key, v]) => typeof v === 'function' && /Part$/.test(key));
  const chosen = exact ?? (parts.length === 1 ? parts[0]![1] : undefined);
  if (!chosen) return { reason: `bench/${name}.ts has no BenchPart export yet (expected ${names.join(' or ')})` };
  // A BenchPart takes the context alone; the parts' earlier standalone form took options.
  if ((chosen as (...a: unknown[]) => unknown).length > 1) return { reason: `bench/${name}.ts exports a function that is not a BenchPart yet` };
  return { part: chosen as BenchPart };
}

function format(v: number | undefined, unit = ''): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits })}${unit ? ` ${unit}` : ''}`;
}

function printTable(figures: BenchFigure[]) {
  const rows = [['part', 'figure', 'value', 'baseline', 'ratio', 'target', 'met'], ...figures.map((f) => [
    f.part,
    f.name,
    format(f.value, f.unit),
    f.baseline ? `${format(f.baseline.value)} (${f.baseline.name})` : '—',
    f.ratio === undefined ? '—' : `${format(f.ratio)}×`,
    f.target,
    f.met === undefined ? '—' : f.met ? 'yes' : 'NO',
  ])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const render = (r: string[]) => r.map((c, i) => (i === 2 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(`\n${render(rows[0]!)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows.slice(1)) console.log(render(r));
}

/** Sets jit for every later session on the database at url (before any pool opens). */
async function setJit(url: string, on: boolean) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const [{ name }] = (await client.query<{ name: string }>('SELECT current_database() AS name')).rows as [{ name: string }];
    await client.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} SET jit = ${on ? 'on' : 'off'}`);
    console.log(`bench: jit = ${on ? 'on' : 'off'} for the benchmark database`);
  } catch (err) {
    console.log(`bench: could not set jit (${(err as Error).message}); the database's own setting stands`);
  } finally {
    await client.end();
  }
}

async function openBenchDatabase(jit: boolean): Promise<{ db: Db; url: string; cluster?: PgCluster }> {
  const given = process.env.MISTO_BENCH_DATABASE_URL;
  if (given) {
    console.log('bench: using the database at MISTO_BENCH_DATABASE_URL');
    await setJit(given, jit);
    return { db: await openPostgres({ connectionString: given, poolSize: 4 }), url: given };
  }
  console.log('bench: starting a throwaway PostGIS cluster');
  const cluster = await startPgCluster({ settings: { shared_preload_libraries: 'pg_stat_statements' } });
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query('CREATE DATABASE misto_bench');
  await admin.end();
  const url = cluster.urlFor('misto_bench');
  await setJit(url, jit);
  return { db: await openPostgres({ connectionString: url, poolSize: 4 }), url, cluster };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const loaded = new Map<PartName, BenchPart>();
  for (const name of args.parts) {
    const { part, reason } = await loadPart(name, args);
    if (part) loaded.set(name, part);
    else console.log(`bench: part "${name}" left out: ${reason}${args.named ? '' : ' (run it by name once it is ready)'}`);
  }
  if (loaded.size === 0) usage('no part to run');

  let cluster: PgCluster | undefined;
  let db: Db | undefined;
  // Ctrl-C still removes the throwaway cluster.
  const interrupted = () => {
    console.log('\nbench: interrupted, cleaning up');
    void (async () => {
      await db?.close().catch(() => {});
      if (cluster) await destroyPgCluster(cluster).catch(() => {});
      process.exit(130);
    })();
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const figures: BenchFigure[] = [];
  let failed = 0;
  try {
    const opened = await openBenchDatabase(args.jit);
    ({ db, cluster } = opened);
    await migrate(db);
    try {
      await db.exec('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    } catch {
      console.log('bench: pg_stat_statements is not available; the stampede counts the server\'s renders instead');
    }

    let city = args.city;
    if (await isTaken(db)) {
      const counts = await cityCounts(db);
      city = { addresses: counts.addresses, tickets: counts.tickets, objects: counts.objects };
      console.log(`bench: the database holds a city already: using it (${city.addresses} addresses, ${city.tickets} tickets, ${city.objects} objects)`);
    } else {
      console.log(`bench: generating the city: ${city.addresses} addresses, ${city.tickets} tickets, ${city.objects} objects`);
      const t0 = performance.now();
      await generateCity(db, { ...city, log: (l) => console.log(`  ${l}`) });
      console.log(`bench: city generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }

    const ctx: BenchContext = { db, databaseUrl: opened.url, city, log: (l) => console.log(`  ${l}`) };
    for (const [name, part] of loaded) {
      console.log(`\n== ${name}`);
      const t0 = performance.now();
      try {
        figures.push(...(await part(ctx)));
        console.log(`== ${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      } catch (err) {
        failed++;
        console.error(`== ${name} FAILED: ${(err as Error).stack ?? String(err)}`);
        figures.push({ part: name, name: 'FAILED (see above)', value: NaN, unit: '', target: '—', met: false });
      }
    }
  } finally {
    await db?.close().catch(() => {});
    if (cluster) await destroyPgCluster(cluster);
  }

  printTable(figures);
  const judged = figures.filter((f) => f.met !== undefined);
  console.log(`\n${judged.filter((f) => f.met).length} of ${judged.length} targets met${failed ? `; ${failed} part(s) failed` : ''}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
