// Who may call what: every route the routers declare × every caller (nobody, a citizen's API key, each role, an executor of another organisation), with object-level checks.
// server/staff/access.test.ts holds the staff ticket, auth and admin routes; this file holds the rest and checks that together they name every route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createCity } from '../testing/factories/city.js';
import { createTicket, createUser, TEST_PASSWORD } from '../testing/factories/auth.js';
import { MAX_FAILED_LOGINS, SESSION_TTL_MS } from '../auth/login.js';
import { createAddress, createApiKey } from '../testing/factories/tickets.js';
import { createClaim, createObject } from '../testing/factories/objects.js';
import { ManualClock } from '../clock.js';
import { createApp } from '../app.js';
import type { Db } from '../db/db.js';
import type { User } from '../auth/middleware.js';
import { listRoutes, routeKey } from './routes.js';
import { rawRequest } from './raw-request.js';

const NOW = new Date('2026-11-23T09:00:00Z');
const clock = new ManualClock(NOW);
let db: Db;
let server: TestServer;
let apiKey: string;
let orgA: number;
let orgB: number;
let addresses: number[];

const WHO = ['anonymous', 'apiKey', 'operator', 'executor', 'executorOther', 'inspector', 'deputy', 'supervisor', 'admin'] as const;
type Who = typeof WHO[number];
type Staff = Exclude<Who, 'anonymous' | 'apiKey'>;
const as = {} as Record<Staff, { user: User; headers: Record<string, string> }>;

/** The routes server/staff/access.test.ts checks caller by caller, and the auth routes server/auth/auth.test.ts checks. */
const ELSEWHERE = new Set([
  'GET /api/auth/me', 'GET /api/openapi.json', 'GET /api/tickets', 'GET /api/tickets/:id', 'POST /api/tickets/:id/transitions',
  'POST /api/tickets/:id/decline', 'POST /api/tickets/:id/route', 'GET /api/admin/api-keys', 'POST /api/admin/api-keys',
  'DELETE /api/admin/api-keys/:id', 'GET /api/admin/users', 'POST /api/admin/users', 'POST /api/auth/login', 'POST /api/auth/logout',
]);

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock });
  const city = await createCity(db);
  orgA = city.organisations.water!;
  orgB = city.organisations.heating!;
  apiKey = (await createApiKey(db)).key;
  addresses = [];
  for (let i = 0; i < 4; i++) addresses.push((await createAddress(db, { street: 'Гвардійців-Широнінців вулиця', house: String(10 + i), lon: 36.35 + i * 0.0002, lat: 50.03, half: 0.00005 })).id);
  await ticketOfA();
  for (const role of ['operator', 'inspector', 'deputy', 'supervisor', 'admin'] as const) as[role] = await loginAs(db, server.url, role);
  as.executor = await loginAs(db, server.url, 'executor', { organisationId: orgA });
  as.executorOther = await loginAs(db, server.url, 'executor', { organisationId: orgB });
});
after(async () => { await server.close(); await db.close(); });

// ---- What a case needs, made fresh for each caller so that one caller's write does not decide the next one's answer.

async function ticketOfA(status = 'new'): Promise<{ id: number; token: string }> {
  const t = await createTicket(db, { categoryCode: 'no_cold_water', executorId: orgA, status, lon: 36.35, lat: 50.03 });
  if (status === 'done') await db.sql('UPDATE tickets SET done_at = $now WHERE id = $id', { id: t.id, now: NOW });
  const [row] = await db.sql<{ token: string }>('SELECT token::text AS token FROM tickets WHERE id = $id', { id: t.id });
  return { id: t.id, token: row!.token };
}

const square = { type: 'Polygon', coordinates: [[[36.3495, 50.0295], [36.3515, 50.0295], [36.3515, 50.0305], [36.3495, 50.0305], [36.3495, 50.0295]]] };
const outageBody = () => ({
  utility: 'water', kind: 'planned', executor_id: orgA, starts_at: '2026-11-24T08:00:00+02:00', ends_at: '2026-11-24T16:00:00+02:00',
  public_text: 'Планові роботи на водогоні', zone: { polygon: square },
});

async function adminPost(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { ...as.admin.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json() as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`prepare: POST ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** An outage of executor A, made by the admin through the API. */
async function outageOfA(): Promise<{ id: number; version: number }> {
  const created = await adminPost('/api/outages', outageBody());
  const outage = created.outage as { id: number; version: number };
  return { id: outage.id, version: outage.version };
}

async function objectId(): Promise<number> {
  return (await createObject(db, { kind: 'manhole', lon: 36.3501, lat: 50.0301 })).id;
}

async function ownerlessRecord(): Promise<number> {
  const r = await adminPost('/api/ownerless', { danger_level: 'low', kind: 'manhole', geometry: { type: 'Point', coordinates: [36.3502, 50.0302] } });
  return r.record_id as number;
}

async function manualTelephonogram(): Promise<number> {
  const r = await adminPost('/api/telephonograms', { address_ids: [addresses[0]], text: 'Тимчасово без води' });
  return (r.telephonograms as { id: number }[])[0]!.id;
}

// ---- The table.

interface Prepared { path: string; body?: unknown }
interface Case {
  method: string;
  path: string;
  prepare?: (who: Who) => Promise<Prepared>;
  expect: Record<Who, number>;
}

const PUBLIC_CALLERS = Object.fromEntries(WHO.map((w) => [w, 0])) as Record<Who, number>;

/** Everyone gets `ok`. */
function everyone(ok: number): Record<Who, number> {
  return Object.fromEntries(WHO.map((w) => [w, ok])) as Record<Who, number>;
}

/** The roles get `ok` (admin always does); other staff 403; nobody and an API key 401. `overrides` for object-level answers. */
function only(roles: Staff[], ok: number, overrides: Partial<Record<Who, number>> = {}): Record<Who, number> {
  const e = { ...PUBLIC_CALLERS };
  for (const w of WHO) {
    if (w === 'anonymous' || w === 'apiKey') e[w] = 401;
    else if (w === 'admin' || roles.includes(w) || (w === 'executorOther' && roles.includes('executor'))) e[w] = ok;
    else e[w] = 403;
  }
  return { ...e, ...overrides };
}

const MANAGERS: Staff[] = ['operator', 'supervisor', 'executor'];
const at = 'lon=36.3505&lat=50.0301';
/** The z14 tile over the test addresses; a ticket there (made in before) keeps it from being empty. */
const TILE = '/tiles/outages,tickets/14/9846/5554.mvt';

const CASES: Case[] = [
  { method: 'GET', path: '/health', expect: everyone(200) },
  { method: 'GET', path: '/style.json', expect: everyone(200) },
  { method: 'GET', path: '/tiles/:file', prepare: async () => ({ path: '/tiles/outages,tickets.json' }), expect: everyone(200) },
  { method: 'GET', path: '/tiles/:source/:z/:x/:file', prepare: async () => ({ path: TILE }), expect: everyone(200) },
  { method: 'GET', path: '/api/live', prepare: async () => ({ path: '/api/live?bbox=36.3,50.0,36.4,50.1' }), expect: everyone(200) },
  { method: 'GET', path: '/api/addresses', prepare: async () => ({ path: '/api/addresses?q=Гвардійців' }), expect: everyone(200) },
  { method: 'GET', path: '/api/addresses/:id/affected', prepare: async () => ({ path: `/api/addresses/${addresses[0]}/affected` }), expect: everyone(200) },
  {
    method: 'GET', path: '/api/addresses/:id/card', prepare: async () => ({ path: `/api/addresses/${addresses[0]}/card` }),
    expect: only(['operator', 'supervisor', 'executor', 'inspector'], 200),
  },
  { method: 'GET', path: '/api/affected', prepare: async () => ({ path: `/api/affected?${at}` }), expect: everyone(200) },
  { method: 'GET', path: '/api/routing', prepare: async () => ({ path: `/api/routing?${at}&category=no_cold_water` }), expect: everyone(200) },
  { method: 'GET', path: '/api/duplicates', prepare: async () => ({ path: `/api/duplicates?${at}&category=no_cold_water` }), expect: everyone(200) },
  { method: 'GET', path: '/api/executors', expect: only(['operator', 'executor', 'supervisor', 'inspector', 'deputy'], 200) },
  { method: 'GET', path: '/api/dashboard', expect: only(['supervisor', 'deputy'], 200) },
  { method: 'GET', path: '/api/reports/daily', prepare: async () => ({ path: '/api/reports/daily?date=2026-11-22' }), expect: only(['supervisor', 'deputy'], 200) },
  {
    method: 'POST', path: '/api/tickets',
    prepare: async () => ({ path: '/api/tickets', body: { category: 'no_cold_water', lon: 36.3505, lat: 50.0301, description: 'Немає води', phone: '+380 50 111 2233', attributes: { scope: 'flat' } } }),
    expect: only(['operator'], 201),
  },
  // The citizen's side: open to all, by token where it is about one ticket.
  {
    method: 'POST', path: '/api/public/tickets',
    prepare: async () => ({ path: '/api/public/tickets', body: { category: 'pothole', lon: 36.3505, lat: 50.0301, description: 'Яма' } }),
    expect: everyone(201),
  },
  { method: 'GET', path: '/api/public/tickets/:token', prepare: async () => ({ path: `/api/public/tickets/${(await ticketOfA()).token}` }), expect: everyone(200) },
  {
    method: 'POST', path: '/api/public/tickets/:token/rating',
    prepare: async () => ({ path: `/api/public/tickets/${(await ticketOfA('done')).token}/rating`, body: { rating: 4 } }), expect: everyone(200),
  },
  {
    method: 'POST', path: '/api/public/tickets/:token/reopen',
    prepare: async () => ({ path: `/api/public/tickets/${(await ticketOfA('done')).token}/reopen`, body: { reason: 'Знову тече' } }), expect: everyone(200),
  },
  {
    method: 'POST', path: '/api/public/tickets/:token/clarify',
    prepare: async () => ({ path: `/api/public/tickets/${(await ticketOfA('needs_info')).token}/clarify`, body: { answer: 'Третій поверх' } }), expect: everyone(200),
  },
  // Open311: reads are public; a POST needs an API key, and a staff session is no substitute.
  { method: 'GET', path: '/open311/v2/discovery.:format', prepare: async () => ({ path: '/open311/v2/discovery.json' }), expect: everyone(200) },
  { method: 'GET', path: '/open311/v2/services.:format', prepare: async () => ({ path: '/open311/v2/services.xml' }), expect: everyone(200) },
  { method: 'GET', path: '/open311/v2/services/:code.:format', prepare: async () => ({ path: '/open311/v2/services/no_cold_water.json' }), expect: everyone(200) },
  { method: 'GET', path: '/open311/v2/requests.:format', expect: everyone(200), prepare: async () => ({ path: '/open311/v2/requests.json' }) },
  { method: 'GET', path: '/open311/v2/requests/:id.:format', prepare: async () => ({ path: `/open311/v2/requests/${(await ticketOfA()).id}.json` }), expect: everyone(200) },
  { method: 'GET', path: '/open311/v2/request/:id.:format', prepare: async () => ({ path: `/open311/v2/request/${(await ticketOfA()).id}.xml` }), expect: everyone(200) },
  { method: 'GET', path: '/open311/v2/tokens/:token.:format', prepare: async () => ({ path: `/open311/v2/tokens/${(await ticketOfA()).token}.json` }), expect: everyone(200) },
  {
    method: 'POST', path: '/open311/v2/requests.:format',
    prepare: async () => ({ path: '/open311/v2/requests.json', body: { service_code: 'pothole', lat: 50.0301, long: 36.3505, description: 'Яма' } }),
    expect: { ...everyone(400), apiKey: 200 },
  },
  // Outages: the list and card are public; managers write, an executor only for its own organisation.
  { method: 'GET', path: '/api/outages', expect: everyone(200) },
  { method: 'GET', path: '/api/outages/explaining', prepare: async () => ({ path: `/api/outages/explaining?${at}&category=no_cold_water` }), expect: everyone(200) },
  { method: 'GET', path: '/api/outages/:id', prepare: async () => ({ path: `/api/outages/${(await outageOfA()).id}` }), expect: everyone(200) },
  { method: 'POST', path: '/api/outages', prepare: async () => ({ path: '/api/outages', body: outageBody() }), expect: only(MANAGERS, 201, { executorOther: 403 }) },
  { method: 'POST', path: '/api/outages/preview', prepare: async () => ({ path: '/api/outages/preview', body: { zone: { polygon: square } } }), expect: only(MANAGERS, 200) },
  {
    method: 'PATCH', path: '/api/outages/:id',
    prepare: async () => { const o = await outageOfA(); return { path: `/api/outages/${o.id}`, body: { version: o.version, public_text: 'Роботи продовжено' } }; },
    expect: only(MANAGERS, 200, { executorOther: 403 }),
  },
  {
    method: 'POST', path: '/api/outages/:id/cancel',
    prepare: async () => { const o = await outageOfA(); return { path: `/api/outages/${o.id}/cancel`, body: { version: o.version } }; },
    expect: only(MANAGERS, 200, { executorOther: 403 }),
  },
  {
    method: 'POST', path: '/api/outages/:id/resolve',
    prepare: async () => {
      const o = await outageOfA();
      // Only a started outage can be resolved: move its start into the past.
      await db.sql("UPDATE outages SET starts_at = $now::timestamptz - interval '1 hour', status = 'active' WHERE id = $id", { id: o.id, now: NOW });
      const [row] = await db.sql<{ version: number }>('SELECT version FROM outages WHERE id = $id', { id: o.id });
      return { path: `/api/outages/${o.id}/resolve`, body: { version: row!.version } };
    },
    expect: only(MANAGERS, 200, { executorOther: 403 }),
  },
  {
    method: 'GET', path: '/api/outages/:id/tickets', prepare: async () => ({ path: `/api/outages/${(await outageOfA()).id}/tickets` }),
    expect: only(['operator', 'supervisor', 'executor', 'inspector'], 200),
  },
  {
    method: 'DELETE', path: '/api/outages/:id/tickets/:ticketId',
    prepare: async () => {
      const o = await outageOfA();
      const t = await ticketOfA();
      await db.sql('UPDATE tickets SET outage_id = $o WHERE id = $t', { o: o.id, t: t.id });
      return { path: `/api/outages/${o.id}/tickets/${t.id}` };
    },
    expect: only(['operator', 'supervisor'], 204),
  },
  { method: 'POST', path: '/api/telephonograms', prepare: async () => ({ path: '/api/telephonograms', body: { address_ids: [addresses[1]], text: 'Тимчасово без води' } }), expect: only(MANAGERS, 201) },
  { method: 'POST', path: '/api/telephonograms/:id/withdraw', prepare: async () => ({ path: `/api/telephonograms/${await manualTelephonogram()}/withdraw` }), expect: only(MANAGERS, 200) },
  // Objects and ownership: inspectors record; executors claim for their own organisation only.
  { method: 'GET', path: '/api/objects/near', prepare: async () => ({ path: `/api/objects/near?${at}&kinds=manhole&radius=50` }), expect: everyone(200) },
  { method: 'GET', path: '/api/objects/:id', prepare: async () => ({ path: `/api/objects/${await objectId()}` }), expect: only(['inspector', 'operator', 'supervisor'], 200) },
  {
    method: 'POST', path: '/api/objects', prepare: async () => ({ path: '/api/objects', body: { kind: 'manhole', geometry: { type: 'Point', coordinates: [36.3503, 50.0303] }, label: 'Люк' } }),
    expect: only(['inspector'], 201),
  },
  { method: 'PATCH', path: '/api/objects/:id', prepare: async () => ({ path: `/api/objects/${await objectId()}`, body: { version: 1, label: 'Люк №5' } }), expect: only(['inspector'], 200) },
  {
    method: 'POST', path: '/api/objects/:id/claims',
    prepare: async () => ({ path: `/api/objects/${await objectId()}/claims`, body: { organisation_id: orgA, claim: 'ours', role: 'owner', evidence_ref: 'Акт № 12', evidence_date: '2026-11-01' } }),
    expect: only(['inspector', 'executor'], 201, { executorOther: 403 }),
  },
  {
    method: 'POST', path: '/api/claims/:id/resolve',
    prepare: async () => ({ path: `/api/claims/${(await createClaim(db, { objectId: await objectId(), organisationId: orgA })).id}/resolve`, body: { resolution: 'accepted', reason: 'Документи в порядку' } }),
    expect: only(['inspector'], 200),
  },
  { method: 'GET', path: '/api/ownership', prepare: async () => ({ path: `/api/ownership?${at}` }), expect: only(['inspector', 'operator', 'supervisor'], 200) },
  { method: 'GET', path: '/api/ownership/organisations', expect: only(['inspector', 'operator', 'supervisor'], 200) },
  { method: 'GET', path: '/api/ownership/claims', expect: only(['inspector', 'supervisor'], 200) },
  { method: 'GET', path: '/api/ownerless', expect: everyone(200) },
  {
    method: 'POST', path: '/api/ownerless', prepare: async () => ({ path: '/api/ownerless', body: { danger_level: 'high', kind: 'manhole', geometry: { type: 'Point', coordinates: [36.3504, 50.0304] } } }),
    expect: only(['inspector'], 201),
  },
  {
    method: 'POST', path: '/api/ownerless/:id/advance', prepare: async () => ({ path: `/api/ownerless/${await ownerlessRecord()}/advance`, body: { stage: 'on_record', at: '2026-11-23T09:00:00Z', ref: 'Рішення № 7' } }),
    expect: only(['inspector'], 200),
  },
];

let address = 0;
async function call(who: Who, c: Case, opts: { csrf?: boolean } = {}) {
  const { path, body } = c.prepare ? await c.prepare(who) : { path: c.path, body: undefined };
  // Each call from its own address, so that the per-address limits of the public forms never answer instead of the access check.
  const headers: Record<string, string> = { 'x-forwarded-for': `10.9.${Math.floor(++address / 250)}.${address % 250}` };
  let sent = body;
  let url = path;
  if (who === 'apiKey') {
    // A citizen's app holds only its API key: in the body of a write, in the query of a read.
    if (sent && typeof sent === 'object') sent = { ...sent, api_key: apiKey };
    else url += `${url.includes('?') ? '&' : '?'}api_key=${encodeURIComponent(apiKey)}`;
  } else if (who !== 'anonymous') {
    headers.cookie = as[who].headers.Cookie!;
    if (opts.csrf !== false) headers['x-csrf-token'] = as[who].headers['X-CSRF-Token']!;
  }
  if (sent !== undefined) headers['content-type'] = 'application/json';
  return rawRequest(server.url, { method: c.method, path: encodeURI(url), headers, ...(sent === undefined ? {} : { body: JSON.stringify(sent) }) });
}

test('every route the routers declare has its callers decided, here or in server/staff/access.test.ts', () => {
  const routes = listRoutes(createApp(server.deps)).map(routeKey);
  const decided = new Set([...CASES.map((c) => `${c.method} ${c.path}`), ...ELSEWHERE]);
  assert.deepEqual(routes.filter((r) => !decided.has(r)), [], 'routes nobody has decided the access of');
  assert.deepEqual([...decided].filter((r) => !routes.includes(r)), [], 'cases for routes that no longer exist');
});

for (const c of CASES) {
  test(`${c.method} ${c.path}: ${WHO.map((w) => `${w} ${c.expect[w]}`).join(', ')}`, async () => {
    for (const who of WHO) {
      const res = await call(who, c);
      assert.equal(res.status, c.expect[who], `${who} → ${c.method} ${c.path}: ${res.body.slice(0, 300)}`);
    }
  });
}

test('a write with a session cookie but without its CSRF token is refused with 403 on every write route, before any role or object check', async () => {
  // Open311 is answered before sessions are read: a cookie carries no authority there, so there is nothing to forge.
  for (const c of CASES.filter((x) => x.method !== 'GET' && !x.path.startsWith('/open311/'))) {
    for (const who of ['operator', 'executor', 'inspector', 'admin'] as const) {
      const res = await call(who, c, { csrf: false });
      assert.equal(res.status, 403, `${who} → ${c.method} ${c.path} without X-CSRF-Token: ${res.body.slice(0, 200)}`);
      assert.match(res.body, /X-CSRF-Token/);
    }
  }
});

test("an executor cannot reach another organisation's outage or claim by guessing its id, and its own still works", async () => {
  const o = await outageOfA();
  const patch = (who: 'executor' | 'executorOther') => fetch(`${server.url}/api/outages/${o.id}`, {
    method: 'PATCH', headers: { ...as[who].headers, 'content-type': 'application/json' }, body: JSON.stringify({ version: o.version, public_text: `змінив ${who}` }),
  });
  assert.equal((await patch('executorOther')).status, 403);
  const [unchanged] = await db.sql<{ public_text: string; version: number }>('SELECT public_text, version FROM outages WHERE id = $id', { id: o.id });
  assert.deepEqual(unchanged, { public_text: outageBody().public_text, version: o.version }, 'the refused edit changed nothing');
  assert.equal((await patch('executor')).status, 200);
  const claim = await fetch(`${server.url}/api/objects/${await objectId()}/claims`, {
    method: 'POST', headers: { ...as.executorOther.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ organisation_id: orgA, claim: 'not_ours', evidence_ref: 'Лист', evidence_date: '2026-11-01' }),
  });
  assert.equal(claim.status, 403, 'an executor cannot disown an object in another organisation\'s name');
});

test('wrong passwords from many addresses still lock the login (the lock is per login), and a locked login answers the right password as it answers a wrong one', async () => {
  await createUser(db, { role: 'supervisor', login: 'spread.supervisor' });
  const attempt = (password: string, i: number) => fetch(`${server.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': `172.16.${i}.1` }, body: JSON.stringify({ login: 'spread.supervisor', password }),
  });
  for (let i = 0; i < MAX_FAILED_LOGINS; i++) assert.equal((await attempt(`guess-${i}`, i)).status, 401);
  const right = await attempt(TEST_PASSWORD, 100);
  const wrong = await attempt('another guess', 101);
  assert.equal(right.status, 429);
  assert.equal(wrong.status, 429);
  assert.deepEqual(await right.json(), await wrong.json(), 'the lock does not tell a right password from a wrong one');
  assert.equal(right.headers.get('set-cookie'), null);
});

test('a write with an expired session is a 401 (not a CSRF 403) and changes nothing; logging in again works', async () => {
  const { headers } = await loginAs(db, server.url, 'operator');
  const count = async () => (await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM telephonograms'))[0]!.n;
  const before = await count();
  clock.advance(SESSION_TTL_MS + 1000);
  try {
    const res = await fetch(`${server.url}/api/telephonograms`, {
      method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ address_ids: [addresses[2]], text: 'Пізно' }),
    });
    assert.equal(res.status, 401);
    assert.equal(await count(), before);
    const again = await loginAs(db, server.url, 'operator');
    assert.equal((await fetch(`${server.url}/api/auth/me`, { headers: again.headers })).status, 200);
  } finally {
    clock.set(NOW);
  }
});
