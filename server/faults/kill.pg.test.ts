// kill -9 of the server during sustained intake: every acknowledged ticket is in the database, none is half-written, and retries of the unanswered ones make one ticket each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import type { Db } from '../db/db.js';
import { createIntakeCity } from '../testing/factories/tickets.js';
import { startServerProcess, postOpen311, type ServerProcess } from '../testing/server-process.js';
import { sustainIntake, checkWrites } from './intake.js';

const API_KEY = 'kill-test-key';
const ENV = { OPEN311_API_KEYS: API_KEY, MISTO_OPEN311_RATE_LIMIT: '0' };
let db: Db;
let url: string;
let city: Awaited<ReturnType<typeof createIntakeCity>>;
let server: ServerProcess | undefined;

before(async () => {
  db = await testDb();
  url = (db as Db & { url: string }).url;
  city = await createIntakeCity(db);
});
after(async () => {
  if (server?.child.exitCode === null) server.child.kill('SIGKILL');
  await db.close();
});

test('after kill -9 during sustained intake every acknowledged ticket is stored whole, and a retry of each unanswered request with its Idempotency-Key makes exactly one ticket', async () => {
  server = await startServerProcess(url, ENV);
  const first = server;
  const intake = sustainIntake({ baseUrl: () => first.url, apiKey: API_KEY, category: city.category, rect: city.rect, concurrency: 12 });
  // Kill once plenty is acknowledged and requests are surely in flight.
  const deadline = Date.now() + 30_000;
  while (intake.sent.filter((s) => s.id !== undefined).length < 150 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  first.child.kill('SIGKILL');
  assert.equal((await first.exited).signal, 'SIGKILL');
  await intake.stop();

  const acknowledged = intake.sent.filter((s) => s.id !== undefined);
  const unanswered = intake.sent.filter((s) => s.status === undefined);
  assert.ok(acknowledged.length >= 150, `only ${acknowledged.length} acknowledged before the kill`);
  assert.ok(unanswered.length > 0, 'some requests were in flight when the server died');
  assert.ok(intake.sent.every((s) => s.status === undefined || s.status === 200), `every answer was 200: ${JSON.stringify(intake.sent.filter((s) => s.status !== undefined && s.status !== 200).slice(0, 3))}`);

  // Before any restart: the database alone holds what was promised.
  const stored = new Map((await db.sql<{ id: number; description: string }>('SELECT id, description FROM tickets WHERE id = ANY(SELECT jsonb_array_elements_text($ids::jsonb)::bigint)',
    { ids: JSON.stringify(acknowledged.map((s) => s.id)) })).map((r) => [r.id, r.description]));
  for (const s of acknowledged) assert.equal(stored.get(s.id!), s.description, `acknowledged ticket ${s.id} is stored with its own description`);
  const check = await checkWrites(db, intake.run);
  assert.deepEqual({ ...check, tickets: 0 }, { tickets: 0, withoutCreatedEvent: [], withoutContact: [], withoutAudit: [], withoutIdempotencyKey: [], keysWithoutTicket: [], duplicated: [] });
  // What the database holds is the acknowledged ones plus at most the ones in flight.
  assert.ok(check.tickets >= acknowledged.length && check.tickets <= acknowledged.length + unanswered.length, `${check.tickets} tickets for ${acknowledged.length} acknowledged and ${unanswered.length} unanswered`);

  server = await startServerProcess(url, ENV);
  const health = await fetch(`${server.url}/health`);
  assert.equal(health.status, 200);
  // The client retries what got no answer, the very same request with the same key: one committed
  // before the kill comes back as it was, one that was not is made now.
  for (const s of unanswered) {
    const answer = await postOpen311(server.url, API_KEY, s.ticket, { idempotencyKey: s.key });
    assert.equal(answer.status, 200, `retry of ${s.key}: ${answer.body}`);
    if (answer.headers.get('idempotent-replayed') === 'true') assert.ok(check.tickets > acknowledged.length);
  }
  const after = await checkWrites(db, intake.run);
  assert.deepEqual({ ...after, tickets: 0 }, { tickets: 0, withoutCreatedEvent: [], withoutContact: [], withoutAudit: [], withoutIdempotencyKey: [], keysWithoutTicket: [], duplicated: [] });
  assert.equal(after.tickets, acknowledged.length + unanswered.length, 'exactly one ticket per request sent');
  server.child.kill('SIGTERM');
  assert.equal((await server.exited).code, 0);
});
