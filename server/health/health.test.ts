// GET /health through the real app.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
before(async () => { db = await testDb(); server = await startTestServer(db); });
after(async () => { await server.close(); await db.close(); });

test('health answers 200 naming the database and PostGIS versions', async () => {
  const res = await fetch(`${server.url}/health`);
  assert.equal(res.status, 200);
  const body = await res.json() as { status: string; database: { backend: string; postgis: string; postgres: string } };
  assert.equal(body.status, 'ok');
  assert.equal(body.database.backend, db.backend);
  assert.match(body.database.postgis, /^3\./);
  assert.match(body.database.postgres, /^\d+/);
});

test('an unknown route is a 404 and a broken JSON body is a problem response', async () => {
  assert.equal((await fetch(`${server.url}/nowhere`)).status, 404);
  const res = await fetch(`${server.url}/health`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
});
