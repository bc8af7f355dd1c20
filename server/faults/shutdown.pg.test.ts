// SIGTERM: the server stops accepting, ends live streams, finishes the requests in flight (within a bound) and exits 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import pg from 'pg';
import { testDb } from '../testing/db.js';
import type { Db } from '../db/db.js';
import { createIntakeCity } from '../testing/factories/tickets.js';
import { startServerProcess, postOpen311 } from '../testing/server-process.js';

const API_KEY = 'shutdown-test-key';
let db: Db;
let url: string;
let category: string;

before(async () => {
  db = await testDb();
  url = (db as Db & { url: string }).url;
  category = (await createIntakeCity(db)).category;
});
after(async () => { await db.close(); });

/** An open SSE connection; `ended` resolves when the server ends the stream. */
function openStream(baseUrl: string): Promise<{ ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${baseUrl}/api/live`, { agent: false }, (res) => {
      const ended = new Promise<void>((done) => { res.on('end', done); res.on('close', done); });
      res.once('data', () => resolve({ ended }));
      res.resume();
    });
    req.on('error', reject);
  });
}

/** Holds a lock that makes every ticket insert wait, until release() is called. */
async function blockTicketInserts(): Promise<{ release(): Promise<void>; waiting(): Promise<number> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE');
  return {
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
    async waiting() {
      const { rows } = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'misto' AND wait_event_type = 'Lock'");
      return rows[0]!.n;
    },
  };
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const refused = async (baseUrl: string) => {
  try {
    await fetch(`${baseUrl}/health`);
    return false;
  } catch {
    return true;
  }
};

test('on SIGTERM a request in flight finishes and is answered, live streams end, new connections are refused, and the process exits 0', { timeout: 120_000 }, async () => {
  const server = await startServerProcess(url, { OPEN311_API_KEYS: API_KEY, SHUTDOWN_GRACE_MS: '20000' });
  try {
    const stream = await openStream(server.url);
    const lock = await blockTicketInserts();
    const answer = postOpen311(server.url, API_KEY, { service_code: category, lat: 50.03, long: 36.36, description: 'in flight at SIGTERM', email: 'caller@example.org' });
    await until(async () => (await lock.waiting()) > 0, 10_000, 'the POST to wait on the lock');

    server.child.kill('SIGTERM');
    await stream.ended;
    await until(() => refused(server.url), 5_000, 'new connections to be refused');
    // The process waits for the request it is answering.
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(server.running(), `the server must not exit with a request in flight:\n${server.output()}`);

    await lock.release();
    const posted = await answer;
    assert.equal(posted.status, 200, posted.body);
    assert.ok(posted.id);
    const [row] = await db.sql<{ n: number }>("SELECT count(*)::int AS n FROM tickets WHERE id = $id AND description = 'in flight at SIGTERM'", { id: posted.id });
    assert.equal(row!.n, 1);
    assert.deepEqual(await server.exited, { code: 0, signal: null }, server.output());
    assert.match(server.output(), /misto: stopped/);
  } finally {
    if (server.running()) server.child.kill('SIGKILL');
  }
});

test('a request that outlives the shutdown grace is cut off and the process still exits 0, soon after the grace', { timeout: 120_000 }, async () => {
  const server = await startServerProcess(url, { OPEN311_API_KEYS: API_KEY, SHUTDOWN_GRACE_MS: '1000' });
  const lock = await blockTicketInserts();
  try {
    const answer = postOpen311(server.url, API_KEY, { service_code: category, lat: 50.03, long: 36.36, description: 'outlives the grace' })
      .then((a) => a.status, (err: Error) => err);
    await until(async () => (await lock.waiting()) > 0, 10_000, 'the POST to wait on the lock');
    const t0 = Date.now();
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    const took = Date.now() - t0;
    assert.deepEqual(exit, { code: 0, signal: null }, server.output());
    assert.ok(took >= 1000 && took < 8000, `exited ${took} ms after SIGTERM with a 1000 ms grace`);
    assert.ok(await answer instanceof Error, 'the client of the unfinished request sees its connection closed, not an answer');
  } finally {
    await lock.release();
    if (server.running()) server.child.kill('SIGKILL');
  }
  const [row] = await db.sql<{ n: number }>("SELECT count(*)::int AS n FROM tickets WHERE description = 'outlives the grace'");
  assert.equal(row!.n, 0, 'the cut-off request left no ticket: its transaction rolled back');
});
