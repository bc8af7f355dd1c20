// GET /api/executors: the organisations that take tickets, for staff to filter by and route to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createOrganisation } from '../testing/factories/auth.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;

before(async () => {
  db = await testDb();
  server = await startTestServer(db);
});
after(async () => { await server.close(); await db.close(); });

test('staff get the executors by name, and an organisation that takes no tickets is not among them', async () => {
  const water = await createOrganisation(db, { name: 'Водоканал' });
  const housing = await createOrganisation(db, { name: 'ЖЕД 1' });
  const owner = await createOrganisation(db, { name: 'Приватний власник', kind: 'private', isExecutor: false });
  const operator = await loginAs(db, server.url, 'operator');
  const res = await fetch(`${server.url}/api/executors`, { headers: operator.headers });
  assert.equal(res.status, 200);
  const { executors } = await res.json() as { executors: Array<{ id: number; code: string; name: string }> };
  const ids = executors.map((e) => e.id);
  assert.ok(ids.includes(water.id) && ids.includes(housing.id));
  assert.ok(!ids.includes(owner.id));
  assert.ok(ids.indexOf(water.id) < ids.indexOf(housing.id), 'by name: Водоканал before ЖЕД 1');
});

test('without a session the list is refused', async () => {
  const res = await fetch(`${server.url}/api/executors`);
  assert.equal(res.status, 401);
});
