// `npm start` when something outside Misto is wrong: one clear line saying what to do and a
// non-zero exit, never a bare stack trace. Each case runs the real server/main.ts in a child.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../testing/pg-cluster.js';
import { testDb } from '../testing/db.js';
import type { Db } from '../db/db.js';

const adminUrl = process.env.MISTO_TEST_PG_URL!;
const root = path.resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(path.join(tmpdir(), 'misto-startup-'));

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs `tsx server/main.ts` with the given environment until it exits (or fails the test after 60 s). */
function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? scratch, HOST: '127.0.0.1', MISTO_DATA_DIR: path.join(scratch, 'unused'), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not exit within 60 s\n${stdout}\n${stderr}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The failure is one `misto: …` line with the advice, and no stack trace. */
function assertOneClearLine(stderr: string, pattern: RegExp) {
  const lines = stderr.split('\n').filter((l) => l.trim() && !l.startsWith('npm warn'));
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  assert.match(lines[0]!, /^misto: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

let busy: Server;
before(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await new Promise((resolve) => busy.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

test('a DATABASE_URL nobody answers on says to check DATABASE_URL and that PostgreSQL runs', async () => {
  const port = await freePort();
  const r = await start({ DATABASE_URL: `postgres://misto:secret@127.0.0.1:${port}/misto` });
  assert.notEqual(r.code, 0);
  assertOneClearLine(r.stderr, /Cannot reach the database .*Check DATABASE_URL/);
  assert.doesNotMatch(r.stderr, /secret/, 'the password is not printed');
});

test('a DATABASE_URL that is not a postgres URL is refused before anything starts', async () => {
  const r = await start({ DATABASE_URL: 'mysql://localhost/misto' });
  assert.notEqual(r.code, 0);
  assertOneClearLine(r.stderr, /DATABASE_URL must look like postgres:\/\//);
});

test('a database where PostGIS is not enabled and the user may not enable it says what a superuser must run', async () => {
  await admin('CREATE ROLE startup_plain LOGIN PASSWORD \'plain\'');
  await admin('CREATE DATABASE startup_nopostgis OWNER startup_plain');
  try {
    const url = new URL(adminUrl);
    url.username = 'startup_plain';
    url.password = 'plain';
    url.pathname = '/startup_nopostgis';
    const r = await start({ DATABASE_URL: url.toString(), PORT: '0' });
    assert.notEqual(r.code, 0);
    assertOneClearLine(r.stderr, /PostGIS .* not enabled .*CREATE EXTENSION postgis/);
  } finally {
    await admin('DROP DATABASE startup_nopostgis WITH (FORCE)');
    await admin('DROP ROLE startup_plain');
  }
});

test('a port in use says so and how to pick another', async () => {
  const address = busy.address();
  assert.ok(address && typeof address === 'object');
  const db = await testDb();
  try {
    const r = await start({ DATABASE_URL: (db as Db & { url: string }).url, PORT: String(address.port) });
    assert.notEqual(r.code, 0);
    assertOneClearLine(r.stderr, new RegExp(`port ${address.port} is already in use.*PORT`));
  } finally {
    await db.close();
  }
});

test('a damaged embedded data directory says to move it aside', async () => {
  const dir = path.join(scratch, 'damaged');
  mkdirSync(path.join(dir, 'base'), { recursive: true });
  writeFileSync(path.join(dir, 'PG_VERSION'), 'not a version\n');
  writeFileSync(path.join(dir, 'postgresql.conf'), '\u0000\u0001garbage');
  const r = await start({ MISTO_DATA_DIR: dir, PORT: '0' });
  assert.notEqual(r.code, 0);
  assertOneClearLine(r.stderr, /embedded database in .*damaged could not be opened.*move it aside/);
});

/** Starts server/main.ts on the embedded database in `dataDir` and waits for /health = 200. */
async function startEmbedded(dataDir: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? scratch, HOST: '127.0.0.1', PORT: String(port), MISTO_DATA_DIR: dataDir },
  });
  const run = { url: `http://127.0.0.1:${port}`, output: '', health: undefined as Response | undefined,
    stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
  child.stdout.on('data', (d) => (run.output += d));
  child.stderr.on('data', (d) => (run.output += d));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && child.exitCode === null) {
    run.health = await fetch(`${run.url}/health`).catch(() => undefined);
    if (run.health?.status === 200) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return run;
}

test('with no DATABASE_URL, npm start runs the embedded database, loads the demo city on first start only, and answers /health', async () => {
  const dataDir = path.join(scratch, 'fresh');
  const first = await startEmbedded(dataDir);
  try {
    assert.equal(first.health?.status, 200, `no /health within 120 s:\n${first.output}`);
    const body = (await first.health!.json()) as { database: { backend: string; postgis: string } };
    assert.equal(body.database.backend, 'pglite');
    assert.match(body.database.postgis, /^3\./);
    assert.match(first.output, /demo city loaded \(\d+ addresses, \d+ tickets\)/);
    // The demo city answers through the public API: Saltivka's addresses and its tickets.
    const found = (await (await fetch(`${first.url}/api/addresses?q=${encodeURIComponent('Бучми 18д')}`)).json()) as { addresses: Array<{ label: string }> };
    assert.match(found.addresses[0]?.label ?? '', /Бучми.*18/i, "the demo city has Saltivka's addresses");
    const requests = (await (await fetch(`${first.url}/open311/v2/requests.json`)).json()) as unknown[];
    assert.ok(requests.length > 0, 'the demo city has tickets');
  } finally {
    await first.stop();
  }
  const second = await startEmbedded(dataDir);
  try {
    assert.equal(second.health?.status, 200, `no /health on restart:\n${second.output}`);
    assert.doesNotMatch(second.output, /demo city loaded/, 'a restart keeps the city and does not load it again');
  } finally {
    await second.stop();
  }
});
