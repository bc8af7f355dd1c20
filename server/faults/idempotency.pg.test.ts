// A POST whose connection drops before the answer, retried with the same Idempotency-Key, makes one ticket — whether the retry comes while the first is still running or after it committed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import pg from 'pg';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import type { Db } from '../db/db.js';
import { createIntakeCity, configWith } from '../testing/factories/tickets.js';
import { postOpen311, type Open311Ticket } from '../testing/server-process.js';

let db: Db;
let server: TestServer;
let category: string;

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { config: configWith() });
  category = (await createIntakeCity(db)).category;
});
after(async () => { await server.close(); await db.close(); });

/** Sends the POST and drops the connection once the server has read it, before any answer. */
function postAndDrop(form: URLSearchParams, key: string, dropAfterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const body = form.toString();
    const req = http.request(`${server.url}/open311/v2/requests.json`, {
      method: 'POST', agent: false,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), 'Idempotency-Key': key },
    });
    req.on('response', () => assert.fail('the dropped request must not get its answer'));
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.end(body, () => setTimeout(() => req.destroy(), dropAfterMs));
  });
}

async function holdTicketInserts(): Promise<{ waiting(): Promise<number>; activity(): Promise<string>; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: (db as Db & { url: string }).url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE');
  let released = false;
  return {
    async waiting() {
      const { rows } = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()");
      return rows[0]!.n;
    },
    /** What every other connection to the database is doing, for a failure message. */
    async activity() {
      const { rows } = await client.query<{ line: string }>(
        "SELECT concat_ws(' | ', application_name, state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 100)) AS line FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
      return rows.map((r) => r.line).join('\n') || '(no other connection)';
    },
    async release() {
      if (released) return;
      released = true;
      await client.query('COMMIT');
      await client.end();
    },
  };
}

async function until(check: () => Promise<boolean>, what: string, describe?: () => Promise<string>) {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `\n${await describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const ticketsDescribed = async (description: string) =>
  (await db.sql<{ id: number }>('SELECT id FROM tickets WHERE description = $description ORDER BY id', { description })).map((r) => r.id);

const ticketFor = (description: string): Open311Ticket => ({ service_code: category, lat: 50.03, long: 36.36, description, email: 'retry@example.org' });
const formFor = (description: string) => new URLSearchParams({ api_key: 'test-key', ...Object.fromEntries(Object.entries(ticketFor(description)).map(([k, v]) => [k, String(v)])) });

test('a request dropped before its answer, retried after it committed, gets the first answer back and no second ticket', async () => {
  const description = 'dropped then retried after commit';
  const lock = await holdTicketInserts();
  try {
    const dropped = postAndDrop(formFor(description), 'drop-after-commit', 50);
    await until(async () => (await lock.waiting()) > 0, 'the first request to reach the database', () => lock.activity());
    await dropped;
  } finally {
    await lock.release();
  }
  // The server finishes the request whose client went away.
  await until(async () => (await ticketsDescribed(description)).length > 0, 'the dropped request to commit');

  const retry = await postOpen311(server.url, 'test-key', ticketFor(description), { idempotencyKey: 'drop-after-commit' });
  assert.equal(retry.status, 200, retry.body);
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(await ticketsDescribed(description), [retry.id]);
});

test('a retry that arrives while the dropped request is still running waits for it and gets its answer: one ticket', async () => {
  const description = 'dropped then retried while running';
  const lock = await holdTicketInserts();
  try {
    const dropped = postAndDrop(formFor(description), 'drop-while-running', 50);
    await until(async () => (await lock.waiting()) > 0, 'the first request to reach the database', () => lock.activity());
    await dropped;
    let early: string | undefined;
    const retry = postOpen311(server.url, 'test-key', ticketFor(description), { idempotencyKey: 'drop-while-running' })
      .then((a) => { early = `the retry was answered ${a.status} ${a.body}`; return a; });
    await until(async () => (await lock.waiting()) > 1, 'the retry to reach the database too',
      async () => `${early ?? 'the retry has no answer yet'}\n${await lock.activity()}`);
    await lock.release();
    const answer = await retry;
    assert.equal(answer.status, 200, answer.body);
    const ids = await ticketsDescribed(description);
    assert.deepEqual(ids, [answer.id], 'one ticket, and the retry names it');
    const [{ n } = { n: 0 }] = await db.sql<{ n: number }>("SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $id AND kind = 'created'", { id: answer.id });
    assert.equal(n, 1);
  } finally {
    // A failure must not leave the table locked for the tests after it.
    await lock.release();
  }
});

test('the same key with a different request is refused (422), not taken for a retry', async () => {
  const first = await postOpen311(server.url, 'test-key', ticketFor('the first use of a key'), { idempotencyKey: 'reused-key' });
  assert.equal(first.status, 200);
  const other = await postOpen311(server.url, 'test-key', ticketFor('another request, same key'), { idempotencyKey: 'reused-key' });
  assert.equal(other.status, 422, other.body);
  assert.deepEqual(await ticketsDescribed('another request, same key'), []);
});
