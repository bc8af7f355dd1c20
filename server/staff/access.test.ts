// Who may call what: every staff, auth and admin route × every role, with object-level checks for executors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createCategory, createOrganisation, createTicket, ensureContactCentre } from '../testing/factories/auth.js';
import { ManualClock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { User } from '../auth/middleware.js';

let db: Db;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
let category: string;
let orgA: number;
let orgB: number;

const WHO = ['anonymous', 'operator', 'executor', 'executorOther', 'inspector', 'deputy', 'supervisor', 'admin'] as const;
type Who = typeof WHO[number];
const as = {} as Record<Exclude<Who, 'anonymous'>, { user: User; headers: Record<string, string> }>;

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock });
  category = (await createCategory(db)).code;
  await ensureContactCentre(db);
  orgA = (await createOrganisation(db)).id;
  orgB = (await createOrganisation(db)).id;
  for (const role of ['operator', 'inspector', 'deputy', 'supervisor', 'admin'] as const) as[role] = await loginAs(db, server.url, role);
  as.executor = await loginAs(db, server.url, 'executor', { organisationId: orgA });
  as.executorOther = await loginAs(db, server.url, 'executor', { organisationId: orgB });
});
after(async () => { await server.close(); await db.close(); });

const ticketOfA = () => createTicket(db, {
  categoryCode: category, executorId: orgA, contact: { firstName: 'Марія', lastName: 'Коваль', phone: '+380501234567', email: 'maria@example.ua' },
});

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Builds the path and body afresh for each caller, so one caller's write does not change the next one's case. */
  prepare(): Promise<{ path: string; body?: unknown }>;
  expect: Record<Who, number>;
}

let loginCounter = 0;
const MATRIX: Case[] = [
  {
    name: 'GET /api/auth/me', method: 'GET', prepare: async () => ({ path: '/api/auth/me' }),
    expect: { anonymous: 401, operator: 200, executor: 200, executorOther: 200, inspector: 200, deputy: 200, supervisor: 200, admin: 200 },
  },
  {
    name: 'GET /api/openapi.json', method: 'GET', prepare: async () => ({ path: '/api/openapi.json' }),
    expect: { anonymous: 200, operator: 200, executor: 200, executorOther: 200, inspector: 200, deputy: 200, supervisor: 200, admin: 200 },
  },
  {
    name: 'GET /api/tickets', method: 'GET', prepare: async () => ({ path: '/api/tickets' }),
    expect: { anonymous: 401, operator: 200, executor: 200, executorOther: 200, inspector: 200, deputy: 200, supervisor: 200, admin: 200 },
  },
  {
    name: 'POST /api/tickets (operator intake)', method: 'POST',
    prepare: async () => ({ path: '/api/tickets', body: { category, lat: 50.03, lon: 36.36, phone: '+380 57 000 1111' } }),
    expect: { anonymous: 401, operator: 201, executor: 403, executorOther: 403, inspector: 403, deputy: 403, supervisor: 403, admin: 201 },
  },
  {
    name: 'GET /api/tickets/:id (a ticket of executor A)', method: 'GET',
    prepare: async () => ({ path: `/api/tickets/${(await ticketOfA()).id}` }),
    expect: { anonymous: 401, operator: 200, executor: 200, executorOther: 404, inspector: 200, deputy: 200, supervisor: 200, admin: 200 },
  },
  {
    name: 'POST /api/tickets/:id/transitions (new → accepted, executor A)', method: 'POST',
    prepare: async () => ({ path: `/api/tickets/${(await ticketOfA()).id}/transitions`, body: { to: 'accepted', version: 1 } }),
    expect: { anonymous: 401, operator: 403, executor: 200, executorOther: 404, inspector: 403, deputy: 403, supervisor: 403, admin: 200 },
  },
  {
    name: 'POST /api/tickets/:id/transitions (new → rejected, executor A)', method: 'POST',
    prepare: async () => ({ path: `/api/tickets/${(await ticketOfA()).id}/transitions`, body: { to: 'rejected', reason: 'спам', version: 1 } }),
    expect: { anonymous: 401, operator: 200, executor: 403, executorOther: 404, inspector: 403, deputy: 403, supervisor: 200, admin: 200 },
  },
  {
    name: 'POST /api/tickets/:id/decline (executor A)', method: 'POST',
    prepare: async () => ({ path: `/api/tickets/${(await ticketOfA()).id}/decline`, body: { reason: 'не наше', version: 1 } }),
    expect: { anonymous: 401, operator: 403, executor: 200, executorOther: 404, inspector: 403, deputy: 403, supervisor: 403, admin: 200 },
  },
  {
    name: 'POST /api/tickets/:id/route (to executor B)', method: 'POST',
    prepare: async () => ({ path: `/api/tickets/${(await ticketOfA()).id}/route`, body: { executor_id: orgB, version: 1 } }),
    expect: { anonymous: 401, operator: 200, executor: 403, executorOther: 403, inspector: 403, deputy: 403, supervisor: 200, admin: 200 },
  },
  {
    name: 'GET /api/admin/api-keys', method: 'GET', prepare: async () => ({ path: '/api/admin/api-keys' }),
    expect: { anonymous: 401, operator: 403, executor: 403, executorOther: 403, inspector: 403, deputy: 403, supervisor: 403, admin: 200 },
  },
  {
    name: 'POST /api/admin/api-keys', method: 'POST', prepare: async () => ({ path: '/api/admin/api-keys', body: { name: 'Мобільний застосунок' } }),
    expect: { anonymous: 401, operator: 403, executor: 403, executorOther: 403, inspector: 403, deputy: 403, supervisor: 403, admin: 201 },
  },
  {
    name: 'DELETE /api/admin/api-keys/:id', method: 'DELETE',
    prepare: async () => {
      const [key] = await db.sql<{ id: number }>("INSERT INTO api_keys (key_hash, name) VALUES (md5(random()::text), 'k') RETURNING id");
      return { path: `/api/admin/api-keys/${key!.id}` };
    },
    expect: { anonymous: 401, operator: 403, executor: 403, executorOther: 403, inspector: 403, deputy: 403, supervisor: 403, admin: 204 },
  },
  {
    name: 'GET /api/admin/users', method: 'GET', prepare: async () => ({ path: '/api/admin/users' }),
    expect: { anonymous: 401, operator: 403, executor: 403, executorOther: 403, inspector: 403, deputy: 403, supervisor: 403, admin: 200 },
  },
  {
    name: 'POST /api/admin/users', method: 'POST',
    prepare: async () => ({
      path: '/api/admin/users',
      body: { login: `new.user${++loginCounter}`, display_name: 'Нова людина', role: 'inspector', password: 'a long enough password' },
    }),
    expect: { anonymous: 401, operator: 403, executor: 403, executorOther: 403, inspector: 403, deputy: 403, supervisor: 403, admin: 201 },
  },
];

async function call(who: Who, c: Case, opts: { csrf?: boolean } = {}) {
  const { path, body } = await c.prepare();
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (who !== 'anonymous') {
    headers.Cookie = as[who].headers.Cookie!;
    if (opts.csrf !== false) headers['X-CSRF-Token'] = as[who].headers['X-CSRF-Token']!;
  }
  return fetch(`${server.url}${path}`, { method: c.method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

for (const c of MATRIX) {
  test(`${c.name}: ${WHO.map((w) => `${w} ${c.expect[w]}`).join(', ')}`, async () => {
    for (const who of WHO) {
      const res = await call(who, c);
      assert.equal(res.status, c.expect[who], `${who} → ${c.name}: ${await res.clone().text()}`);
      if (res.status >= 400) assert.equal(res.headers.get('content-type'), 'application/problem+json');
    }
  });
}

test('every write route refuses a session cookie without its CSRF token, before any role or object check', async () => {
  for (const c of MATRIX.filter((m) => m.method !== 'GET')) {
    for (const who of WHO.filter((w) => w !== 'anonymous')) {
      const res = await call(who, c, { csrf: false });
      assert.equal(res.status, 403, `${who} → ${c.name} without X-CSRF-Token`);
      assert.match((await res.json() as { detail: string }).detail, /X-CSRF-Token/);
    }
  }
});

test("an executor's list holds only its own organisation's tickets, whatever filter it sends", async () => {
  const mine = await ticketOfA();
  const theirs = await createTicket(db, { categoryCode: category, executorId: orgB });
  const get = async (query: string) => {
    const res = await fetch(`${server.url}/api/tickets?limit=500&${query}`, { headers: as.executor.headers });
    assert.equal(res.status, 200);
    return (await res.json() as { tickets: { id: number; executor: { id: number } }[] }).tickets;
  };
  const all = await get('');
  assert.ok(all.some((t) => t.id === mine.id));
  assert.ok(all.every((t) => t.executor.id === orgA));
  assert.deepEqual(await get(`executor=${orgB}`), []);
  assert.deepEqual(await get(`q=${theirs.id}`), []);
  const operatorView = await fetch(`${server.url}/api/tickets?q=${theirs.id}`, { headers: as.operator.headers });
  assert.deepEqual((await operatorView.json() as { tickets: { id: number }[] }).tickets.map((t) => t.id), [theirs.id]);
});

test('an executor guessing ids gets the same 404 for a ticket of another executor as for one that does not exist', async () => {
  const theirs = await createTicket(db, { categoryCode: category, executorId: orgB });
  const guessed = await fetch(`${server.url}/api/tickets/${theirs.id}`, { headers: as.executor.headers });
  const missing = await fetch(`${server.url}/api/tickets/${theirs.id + 100000}`, { headers: as.executor.headers });
  assert.equal(guessed.status, 404);
  assert.equal(missing.status, 404);
  const strip = (b: { detail: string }) => ({ ...b, detail: b.detail.replace(/\d+/, 'N') });
  assert.deepEqual(strip(await guessed.json() as { detail: string }), strip(await missing.json() as { detail: string }));
});

test("the caller's contact: full for operator, supervisor and admin; only the phone of an open ticket for its executor; none for inspector and deputy", async () => {
  const t = await ticketOfA();
  const contactOf = async (who: Exclude<Who, 'anonymous'>) => {
    const res = await fetch(`${server.url}/api/tickets/${t.id}`, { headers: as[who].headers });
    const body = await res.json() as Record<string, unknown>;
    return body.contact;
  };
  const full = { first_name: 'Марія', last_name: 'Коваль', phone: '+380501234567', email: 'maria@example.ua', anonymised_at: null };
  for (const who of ['operator', 'supervisor', 'admin'] as const) assert.deepEqual(await contactOf(who), full, who);
  assert.deepEqual(await contactOf('executor'), { phone: '+380501234567' });
  assert.equal(await contactOf('inspector'), undefined);
  assert.equal(await contactOf('deputy'), undefined);
  await db.sql("UPDATE tickets SET status = 'closed', closed_at = created_at + interval '1 hour' WHERE id = $id", { id: t.id });
  assert.equal(await contactOf('executor'), undefined, 'a closed ticket no longer gives its executor the phone');
});

test('no list row ever carries the caller’s contact or the citizen token', async () => {
  await ticketOfA();
  const res = await fetch(`${server.url}/api/tickets?limit=500`, { headers: as.operator.headers });
  const text = await res.text();
  assert.doesNotMatch(text, /380501234567|maria@example|Коваль|"token"/);
});

