// No public ticket endpoint — every Open311 resource and every /api/public, /api/routing, /api/duplicates route, read from the routers themselves — returns a private field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type Router from '@koa/router';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { ManualClock } from '../clock.js';
import { configWith, createIntakeCity } from '../testing/factories/tickets.js';
import { open311Routes } from '../open311/routes.js';
import { ticketRoutes } from './routes.js';
import type { Db } from '../db/db.js';

let db: Db;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
let city: Awaited<ReturnType<typeof createIntakeCity>>;
const tickets: { id: number; token: string }[] = [];
/** Answers to the public POSTs, each checked like the GETs. */
const postAnswers: { what: string; text: string; ownToken: string }[] = [];

// Every kind of private data a ticket can carry, each value unique enough to be found in any answer.
const CITIZEN = { first_name: 'Секретна-P1', last_name: 'Заявниця-P1', email: 'p1.private@example.com', phone: '+380 44 101 0101', device_id: 'device-P1-7f3a' };
const WEB = { first_name: 'Секретний-P2', last_name: 'Мешканець-P2', email: 'p2.private@example.com', phone: '+380 44 202 0202' };
const CALLER = { first_name: 'Абонентка-P3', last_name: 'Дзвінка-P3', email: 'p3.private@example.com', phone: '+380 44 303 0303' };
const INTAKE = { cause: 'Причина-P3 для виконавця', premises_access: 'Ключ-P3 у сусідки з кв. 7' };
const STAFF_NOTE = 'Службова примітка P4';
const ANSWER = 'Уточнення-P5: квартира 41';
let staffSecrets: string[] = [];

const post = (path: string, body: unknown, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, {
  method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
});

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock, config: configWith() });
  city = await createIntakeCity(db);
  const tokenOf = async (id: number) => (await db.sql<{ token: string }>('SELECT token::text AS token FROM tickets WHERE id = $id', { id }))[0]!.token;

  for (const format of ['json', 'xml'] as const) {
    const res = await fetch(`${server.url}/open311/v2/requests.${format}`, {
      method: 'POST', body: new URLSearchParams({ api_key: 'test-key', service_code: city.category, lat: '50.03', long: '36.36', description: 'Публічний опис', ...CITIZEN }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const id = Number(/"service_request_id":"(\d+)"|<service_request_id>(\d+)</.exec(text)!.slice(1).find(Boolean));
    tickets.push({ id, token: await tokenOf(id) });
    postAnswers.push({ what: `POST requests.${format}`, text, ownToken: tickets.at(-1)!.token });
  }
  const web = await post('/api/public/tickets', { category: city.category, lat: 50.031, lon: 36.361, description: 'Веб-форма', ...WEB });
  const webText = await web.text();
  assert.equal(web.status, 201, webText);
  const webTicket = JSON.parse(webText) as { id: number; token: string };
  tickets.push({ id: webTicket.id, token: webTicket.token });
  postAnswers.push({ what: 'POST /api/public/tickets', text: webText, ownToken: webTicket.token });

  const operator = await loginAs(db, server.url, 'operator');
  const executor = await loginAs(db, server.url, 'executor', { organisationId: city.executor.id });
  const staff = await db.sql<{ login: string; display_name: string }>('SELECT login, display_name FROM users');
  staffSecrets = staff.flatMap((u) => [u.login, u.display_name]);
  const filed = await post('/api/tickets', { category: city.category, lat: 50.032, lon: 36.362, ...CALLER, ...INTAKE }, operator.headers);
  assert.equal(filed.status, 201, await filed.clone().text());
  const byPhone = (await filed.json()) as { id: number };
  tickets.push({ id: byPhone.id, token: await tokenOf(byPhone.id) });

  // Staff work on the operator's ticket: an internal note, a question, the citizen's answer, the work done, a rating, a reopening.
  const [t] = tickets.slice(-1);
  await db.sql("INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, note, public) VALUES ($id, $at, 'comment', 'operator', $note, false)",
    { id: t!.id, at: clock.now(), note: STAFF_NOTE });
  const move = async (to: string, version: number, extra: Record<string, unknown> = {}) => {
    const res = await post(`/api/tickets/${t!.id}/transitions`, { to, version, ...extra }, executor.headers);
    assert.equal(res.status, 200, await res.clone().text());
  };
  await move('needs_info', 1, { note: 'Який під\'їзд?' });
  const clarified = await post(`/api/public/tickets/${t!.token}/clarify`, { answer: ANSWER });
  postAnswers.push({ what: 'POST clarify', text: await clarified.text(), ownToken: t!.token });
  await move('accepted', 3);
  await move('done', 4, { completion: { note: 'Виконано', media_url: 'https://photos.example/done.jpg', lon: 36.362, lat: 50.032 } });
  const rated = await post(`/api/public/tickets/${t!.token}/rating`, { rating: 4 });
  postAnswers.push({ what: 'POST rating', text: await rated.text(), ownToken: t!.token });
  const reopened = await post(`/api/public/tickets/${t!.token}/reopen`, { reason: 'Знову тече' });
  postAnswers.push({ what: 'POST reopen', text: await reopened.text(), ownToken: t!.token });
});
after(async () => { await server.close(); await db.close(); });

function secrets(): string[] {
  return [...Object.values(CITIZEN), ...Object.values(WEB), ...Object.values(CALLER), ...Object.values(INTAKE), STAFF_NOTE, ANSWER, ...staffSecrets];
}

/** The concrete URLs that exercise each public GET route, by its declared path. */
function urlsFor(path: string): string[] {
  const ids = tickets.map((t) => t.id);
  const both = (p: string) => [p.replace(':format', 'json'), p.replace(':format', 'xml')];
  const place = `lon=36.361&lat=50.031&category=${city.category}`;
  const urls: Record<string, string[]> = {
    '/open311/v2/discovery.:format': both('/open311/v2/discovery.:format'),
    '/open311/v2/services.:format': both('/open311/v2/services.:format'),
    '/open311/v2/services/:code.:format': both(`/open311/v2/services/${city.category}.:format`),
    '/open311/v2/requests.:format': [...both('/open311/v2/requests.:format'), ...both(`/open311/v2/requests.:format?service_request_id=${ids.join(',')}`),
      ...both('/open311/v2/requests.:format?bbox=36.3,50.0,36.4,50.1&status=open,closed')],
    '/open311/v2/requests/:id.:format': ids.flatMap((id) => both(`/open311/v2/requests/${id}.:format`)),
    '/open311/v2/request/:id.:format': ids.flatMap((id) => both(`/open311/v2/request/${id}.:format`)),
    '/open311/v2/tokens/:token.:format': tickets.flatMap((t) => both(`/open311/v2/tokens/${t.token}.:format`)),
    '/api/public/tickets/:token': tickets.map((t) => `/api/public/tickets/${t.token}`),
    '/api/routing': [`/api/routing?${place}`],
    '/api/duplicates': [`/api/duplicates?${place}`],
  };
  const found = urls[path];
  assert.ok(found, `a public GET route without a privacy check: ${path} — add it to urlsFor()`);
  return found;
}

function routesOf(router: Router): { method: string; path: string }[] {
  return router.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, path: String(layer.path) })));
}

test('every public GET route of the ticket and Open311 routers answers without a name, phone, e-mail, device, intake note, staff note or staff name', async () => {
  const routes = [...routesOf(open311Routes(server.deps).router), ...routesOf(ticketRoutes(server.deps))].filter((r) => r.method === 'GET');
  assert.ok(routes.length >= 10, `found ${routes.length} routes`);
  let checked = 0;
  for (const route of routes) {
    for (const url of urlsFor(route.path)) {
      const res = await fetch(`${server.url}${url}`);
      const text = await res.text();
      assert.equal(res.status, 200, `${url}: ${text}`);
      for (const secret of secrets()) assert.ok(!text.includes(secret), `${url} leaks "${secret}"`);
      // A token is the reporter's key: it may come back only where the URL already holds it.
      for (const t of tickets) assert.ok(url.includes(t.token) || !text.includes(t.token), `${url} leaks the token of ticket ${t.id}`);
      checked += 1;
    }
  }
  assert.ok(checked >= 30, `checked ${checked} answers`);
});

test('the answers to public POSTs carry no private field, and no token but the reporter\'s own', async () => {
  assert.equal(postAnswers.length, 6);
  for (const a of postAnswers) {
    for (const secret of secrets()) assert.ok(!a.text.includes(secret), `${a.what} leaks "${secret}"`);
    for (const t of tickets) assert.ok(t.token === a.ownToken || !a.text.includes(t.token), `${a.what} leaks the token of ticket ${t.id}`);
  }
});

test('the private data is really in the database, so the checks above look for something that exists', async () => {
  const [row] = await db.sql<{ contacts: number; intake: number; notes: number }>(`SELECT
    (SELECT count(*) FROM ticket_contacts WHERE phone IN ($a, $b, $c))::int AS contacts,
    (SELECT count(*) FROM tickets WHERE cause = $cause AND premises_access = $access)::int AS intake,
    (SELECT count(*) FROM ticket_events WHERE note IN ($staffNote, $answer) AND NOT public)::int AS notes`,
  { a: CITIZEN.phone, b: WEB.phone, c: CALLER.phone, cause: INTAKE.cause, access: INTAKE.premises_access, staffNote: STAFF_NOTE, answer: ANSWER });
  assert.deepEqual(row, { contacts: 4, intake: 1, notes: 2 });
  const [device] = await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM ticket_contacts WHERE device_id = $d', { d: CITIZEN.device_id });
  assert.equal(device!.n, 2);
});
