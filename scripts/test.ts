// npm test: starts a throwaway PostGIS cluster, migrates a template once, and runs every test
// file against the real server and then against the embedded database. Files named
// *.pg.test.ts run on the real server only: they need it (processes, roles, a second node), or
// they test the HTTP layer, which the backend does not change, at a cost the CI budget feels
// twice (the route×role table, the hostile-input suites, the browser, the SF311 import).
// Ends with "N passed, N failed".
//   npm test                      everything, both backends
//   npm test -- tickets           files whose path contains "tickets"
//   npm test -- --backend=pglite  one backend
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startPgCluster, destroyPgCluster, type PgCluster } from '../server/testing/pg-cluster.js';
import { TEMPLATE_DB, type Backend } from '../server/testing/db.js';
import { openPostgres } from '../server/db/postgres.js';
import { openPglite } from '../server/db/pglite.js';
import { migrate } from '../server/db/migrate.js';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const backendArg = args.find((a) => a.startsWith('--backend='))?.split('=')[1] ?? 'both';
const filters = args.filter((a) => !a.startsWith('--'));
const backends: Backend[] = backendArg === 'both' ? ['postgres', 'pglite'] : [backendArg as Backend];

function findTests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    if (statSync(full).isDirectory()) return findTests(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}

const allFiles = ['server', 'tiles', 'fixtures', 'scripts', 'web/tests']
  .flatMap((d) => { try { return findTests(path.join(root, d)); } catch { return []; } })
  .map((f) => path.relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
  .sort();

// Browser tests drive the built app: build it once, before any of them runs.
if (allFiles.some((f) => f.startsWith('web/tests/'))) {
  console.log('== building the web app for the browser tests');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.log('\n0 passed, 1 failed');
    process.exit(1);
  }
}

const work = mkdtempSync(path.join(tmpdir(), 'misto-test-'));
let cluster: PgCluster | undefined;
let passed = 0;
let failed = 0;
const failures: string[] = [];

/** The failed tests of a TAP report with the first lines of what each said: repeated at the end of the output, where a CI log's tail shows them. */
function failuresIn(tap: string, backend: string): string[] {
  const lines = tap.split('\n');
  const found: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)not ok \d+ - (.*)$/.exec(line);
    if (!m) return;
    const detail: string[] = [];
    for (let j = i + 1; j < lines.length && detail.length < 12; j++) {
      const d = lines[j] ?? '';
      if (d.trim() === '...' || /^\s*(not )?ok \d+ /.test(d)) break;
      if (d.trim() !== '' && d.trim() !== '---' && !/^\s*(at |stack:|duration_ms:|type:)/.test(d) && !/^\s*\S.* \(\S+:\d+:\d+\)$/.test(d)) detail.push(`    ${d.trim()}`);
    }
    found.push(`✖ [${backend}] ${m[2]}`, ...detail);
  });
  return found;
}

try {
  for (const backend of backends) {
    const files = allFiles.filter((f) => backend === 'postgres' || !f.endsWith('.pg.test.ts'));
    if (files.length === 0) continue;
    const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC', MISTO_TEST_BACKEND: backend };
    if (backend === 'postgres') {
      cluster = await startPgCluster();
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
      await admin.end();
      const template = await openPostgres({ connectionString: cluster.urlFor(TEMPLATE_DB) });
      await migrate(template);
      await template.close();
      env.MISTO_TEST_PG_URL = cluster.url;
    } else {
      const template = await openPglite();
      await migrate(template);
      const dumpFile = path.join(work, 'pglite-template.tar');
      writeFileSync(dumpFile, Buffer.from(await (await template.dump()).arrayBuffer()));
      await template.close();
      env.MISTO_TEST_PGLITE_TEMPLATE = dumpFile;
    }
    console.log(`\n== ${files.length} test files against ${backend === 'postgres' ? 'PostgreSQL + PostGIS (throwaway cluster)' : 'the embedded database (PGlite + PostGIS)'}\n`);
    const tap = path.join(work, `${backend}.tap`);
    const run = spawnSync(process.execPath, [
      '--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`,
      ...files,
    ], { cwd: root, env, stdio: 'inherit' });
    const out = readFileSync(tap, 'utf8');
    const count = (what: string) => Number(out.match(new RegExp(`^# ${what} (\\d+)$`, 'm'))?.[1] ?? 0);
    passed += count('pass');
    failed += count('fail') + count('cancelled');
    if (run.status !== 0 && count('fail') + count('cancelled') === 0) failed += 1;
    failures.push(...failuresIn(out, backend));
    if (cluster) {
      await destroyPgCluster(cluster);
      cluster = undefined;
    }
  }
} catch (err) {
  console.error(`npm test could not set up the databases: ${(err as Error).message}`);
  failed += 1;
} finally {
  if (cluster) await destroyPgCluster(cluster).catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
if (failures.length > 0) console.log(`\n== what failed (repeated from above)\n${failures.slice(0, 200).join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
