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

/**
 * Holds a lock that makes every ticket insert of the test's category wait (its key check needs the
 * category's row), until release() is called. Not a lock on the tickets table: the server's own
 * escalation round, which starts with the server, would wait on that too, hold a connection and be
 * counted as the POST waiting.
 */
async function blockTicketInserts(): Promise<{ release(): Promise<void>; waiting(): Promise<number>; activity(): Promise<string> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM categories WHERE code = $1 FOR UPDATE', [category]);
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
    /** What the server's connections are doing, for a failure message. */
    async activity() {
      const { rows } = await client.query<{ line: string }>(
        "SELECT concat_ws(' | ', state, wait_event_type, wait_event, left(query, 120)) AS line FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'misto'");
      return rows.map((r) => r.line).join('\n') || '(no connection of the server)';
    },
  };
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, describe?: () => Promise<string>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `\n${await describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * One ticket through the fresh server before the test takes its lock: the server's first rounds
 * (escalation, outage clock, change relay) and its first intake have run, so the request the test
 * holds is the only one in flight. A first POST has been seen to stall for seconds on a loaded
 * machine; that is not what these tests are about.
 */
async function warmUp(baseUrl: string) {
  const first = await postOpen311(baseUrl, API_KEY, { service_code: category, lat: 50.03, long: 36.36, description: 'warm-up' });
  assert.ok(first.status === 200 || first.status === 201, `the warm-up ticket was refused: ${first.status} ${first.body}`);
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
    await warmUp(server.url);
    const stream = await openStream(server.url);
    const lock = await blockTicketInserts();
    const answer = postOpen311(server.url, API_KEY, { service_code: category, lat: 50.03, long: 36.36, description: 'in flight at SIGTERM', email: 'caller@example.org' });
    await until(async () => (await lock.waiting()) > 0, 30_000, 'the POST to wait on the lock', async () => `${await lock.activity()}\n${server.output()}`);

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
  await warmUp(server.url);
  const lock = await blockTicketInserts();
  try {
    let settled = 'no answer yet';
    const answer = postOpen311(server.url, API_KEY, { service_code: category, lat: 50.03, long: 36.36, description: 'outlives the grace' })
      .then((a) => { settled = `${a.status} ${a.body}`; return a.status; }, (err: Error) => { settled = String(err); return err; });
    await until(async () => (await lock.waiting()) > 0, 30_000, 'the POST to wait on the lock',
      async () => `the POST: ${settled}\n${await lock.activity()}\n${server.output()}`);
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
