// The pool and statement timeout are the configured ones, and a full pool queue turns new requests into fast 503s that stop by themselves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { openPostgres } from '../db/postgres.js';
import type { Db } from '../db/db.js';
import { loadConfig } from '../config.js';

let base: Db;
let db: Db;
let server: TestServer;
const POOL = 2;
const MAX_QUEUE = 3;

before(async () => {
  base = await testDb();
  db = await openPostgres({ connectionString: (base as Db & { url: string }).url, poolSize: POOL, statementTimeoutMs: 1_500 });
  server = await startTestServer(db, { config: { dbMaxQueue: MAX_QUEUE, dbMaxWaitMs: 0 } });
});
after(async () => {
  await server.close();
  await db.close();
  await base.close();
});

/** Keeps every pool connection busy and `queued` more waiting, for about ms. */
function occupy(queued: number, ms: number): Promise<unknown> {
  return Promise.all(Array.from({ length: POOL + queued }, () => db.sql('SELECT pg_sleep($s::float8)', { s: ms / 1000 })));
}

test('DB_POOL_SIZE, DB_STATEMENT_TIMEOUT_MS, DB_MAX_QUEUE and DB_MAX_WAIT_MS have deliberate defaults and are read from the environment', () => {
  const defaults = loadConfig({});
  assert.equal(defaults.dbPoolSize, 10);
  assert.equal(defaults.dbStatementTimeoutMs, 15_000);
  assert.ok(defaults.dbMaxQueue > 0 && defaults.dbMaxWaitMs > 0, 'shedding is on by default');
  assert.ok(defaults.dbMaxWaitMs < 5_000, 'a request is refused before it could wait out the pool\'s 5 s connection timeout');
  const set = loadConfig({ DB_POOL_SIZE: '24', DB_STATEMENT_TIMEOUT_MS: '2500', DB_MAX_QUEUE: '0', DB_MAX_WAIT_MS: '300', SHUTDOWN_GRACE_MS: '3000' });
  assert.deepEqual([set.dbPoolSize, set.dbStatementTimeoutMs, set.dbMaxQueue, set.dbMaxWaitMs, set.shutdownGraceMs], [24, 2500, 0, 300, 3000]);
});

test('the pool opens at most its size of connections, each with the statement timeout set', async () => {
  const rows = await Promise.all(Array.from({ length: 6 }, () => db.sql<{ timeout: string; pid: number }>(
    "SELECT current_setting('statement_timeout') AS timeout, pg_backend_pid() AS pid, pg_sleep(0.05)")));
  assert.deepEqual(new Set(rows.map((r) => r[0]!.timeout)), new Set(['1500ms']));
  assert.ok(new Set(rows.map((r) => r[0]!.pid)).size <= POOL);
  assert.ok(db.poolStats!().total <= POOL);
});

test('a statement past the timeout is cancelled, and the request that ran it gets 503 with Retry-After, not a hang', async () => {
  await assert.rejects(db.sql('SELECT pg_sleep(5)'), (err: { code?: string }) => err.code === '57014');
  // /health runs one query: hold the lock it needs longer than the statement timeout.
  const holder = await openPostgres({ connectionString: (base as Db & { url: string }).url, poolSize: 1 });
  try {
    const hold = holder.transaction(async (tx) => {
      await tx.sql('LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE');
      await tx.sql('SELECT pg_sleep(2.5)');
    });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const res = await fetch(`${server.url}/health`);
    const ms = Date.now() - t0;
    assert.equal(res.status, 503);
    assert.ok(res.headers.get('retry-after'));
    assert.ok(ms < 2_500, `answered after ${ms} ms`);
    await hold;
  } finally {
    await holder.close();
  }
});

test('while the pool queue is at its bound new requests get 503 problem+json with Retry-After within milliseconds, and the server serves again once it drains', async () => {
  const busy = occupy(MAX_QUEUE, 1_000);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(db.poolStats!().waiting >= MAX_QUEUE);

  const t0 = performance.now();
  const res = await fetch(`${server.url}/health`);
  const ms = performance.now() - t0;
  assert.equal(res.status, 503);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(res.headers.get('retry-after'), '1');
  const body = await res.json() as { type: string; status: number };
  assert.equal(body.type, 'https://misto.city/problems/overloaded');
  assert.equal(body.status, 503);
  // A request let through would wait for a sleeping connection: a second at least.
  assert.ok(ms < 500, `the refusal took ${ms.toFixed(1)} ms`);

  // Open311 clients are refused the same way, before their request is read.
  const post = await fetch(`${server.url}/open311/v2/requests.json`, { method: 'POST', body: 'api_key=test-key' });
  assert.equal(post.status, 503);
  assert.equal(post.headers.get('retry-after'), '1');

  await busy;
  const again = await fetch(`${server.url}/health`);
  assert.equal(again.status, 200, 'nothing to reset: the server recovered by itself');
});

test('of a burst arriving at once, only as many are let in as the pool and its queue hold; they all finish and the rest are refused at once', async () => {
  const busy = occupy(0, 1_000);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  // Open311 reads its body before any database work, and these bodies come 200 ms after their
  // headers: every request of the burst is past the door before the first reaches the pool's
  // queue. One let in is answered 400 (no such service) after its queries ran.
  const body = new URLSearchParams({ api_key: 'test-key', service_code: 'none', lat: '50', long: '36' }).toString();
  const answers = await Promise.all(Array.from({ length: 20 }, () => new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const req = http.request(`${server.url}/open311/v2/requests.json`, {
      method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.flushHeaders();
    setTimeout(() => req.end(body), 200);
  })));
  await busy;
  const ok = answers.filter((a) => a.status === 400);
  const refused = answers.filter((a) => a.status === 503);
  assert.equal(ok.length + refused.length, answers.length, JSON.stringify(answers));
  assert.ok(ok.length >= 1 && ok.length <= POOL + MAX_QUEUE, `${ok.length} let in`);
  // Those let in waited for the sleeping connections; the refused did not.
  assert.ok(Math.max(...refused.map((a) => a.ms)) < Math.min(...ok.map((a) => a.ms)), JSON.stringify(answers));
});

test('when the request waiting longest has waited DB_MAX_WAIT_MS, new requests are refused even though few wait, until the queue moves again', async () => {
  const timely = await startTestServer(db, { config: { dbMaxQueue: 100, dbMaxWaitMs: 300 } });
  try {
    const busy = occupy(1, 1_200);
    await new Promise((r) => setTimeout(r, 100));
    const early = db.poolStats!();
    assert.ok(early.waiting === 1 && early.oldestWaitMs < 300, `one waiter, not long yet: ${JSON.stringify(early)}`);
    await new Promise((r) => setTimeout(r, 300));
    const stats = db.poolStats!();
    assert.ok(stats.waiting < 100 && stats.oldestWaitMs >= 300, JSON.stringify(stats));
    const res = await fetch(`${timely.url}/health`);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
    await busy;
    assert.equal(db.poolStats!().oldestWaitMs, 0);
    assert.equal((await fetch(`${timely.url}/health`)).status, 200);
  } finally {
    await timely.close();
  }
});

test('the live stream, which needs no database to connect, is not refused while the queue is full', async () => {
  const busy = occupy(MAX_QUEUE, 600);
  await new Promise((r) => setTimeout(r, 100));
  const controller = new AbortController();
  const res = await fetch(`${server.url}/api/live`, { signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  controller.abort();
  await busy;
});

test('with DB_MAX_QUEUE=0 and DB_MAX_WAIT_MS=0 nothing is refused: requests wait their turn instead', async () => {
  const patient = await startTestServer(db, { config: { dbMaxQueue: 0, dbMaxWaitMs: 0 } });
  try {
    const busy = occupy(MAX_QUEUE, 500);
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`${patient.url}/health`);
    assert.equal(res.status, 200);
    await busy;
  } finally {
    await patient.close();
  }
});
