// No caller's name, phone or e-mail leaves through a public door: every public route, every tile layer at several zooms and the live stream, walked over the demo city.
// PostgreSQL only: the embedded database takes minutes to load the demo city on a busy machine, and the walk is a few thousand requests; the tile properties
// are chosen in the layers' SQL, the same on both backends (tiles/encoder-parity.pg.test.ts holds the two encoders to the same output).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { ManualClock } from '../clock.js';
import { createApp } from '../app.js';
import type { Db } from '../db/db.js';
import { loadDemoCity, DEMO_BBOX } from '../../fixtures/demo-city.js';
import { LAYERS } from '../../tiles/layers.js';
import { MVT_TYPE } from '../../tiles/routes.js';
import { listRoutes, pathParams, fillPath, routeKey } from '../security/routes.js';
import { rawRequest } from '../security/raw-request.js';
import { collectDemoValues, demoParam, demoQueries, type DemoValues } from '../security/demo-values.js';

const NOW = new Date('2026-11-23T09:00:00Z');
const clock = new ManualClock(NOW);
let db: Db;
let server: TestServer;
let values: DemoValues;
let apiKey: string;
let contacts = 0;

/** What every caller in the demo city is called and reached at from here on: made-up, so that any sighting is a leak. */
const FIRST = 'Зореслава';
const LAST = 'Таємниченко';
const MAIL = 'private.example';
const DEVICE = 'device-secret-';
/** +380 67 555 NNNN, the last four digits the ticket id: a run of digits ending so is a phone number and nothing else. */
const PHONE_RUN = /(?:^|\D)(?:\+?380[\s()-]*)?67[\s()-]*555[\s()-]*\d{4}(?!\d)/;

/** The body as text with JSON \u escapes and XML character references undone, so that no encoding hides a name. */
function normalise(text: string): string {
  return text
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)));
}

/** Which private values a text shows; empty when none. */
function leaks(raw: string): string[] {
  const text = normalise(raw);
  const found = [FIRST, LAST, MAIL, DEVICE].filter((needle) => text.includes(needle));
  const phone = PHONE_RUN.exec(text);
  if (phone) found.push(`phone ${phone[0].trim()}`);
  return found;
}

/** A vector tile as text: every layer's name, and every feature's properties. */
function tileText(bytes: Buffer): string {
  const tile = new VectorTile(new PbfReader(bytes));
  const parts: string[] = [];
  for (const [name, layer] of Object.entries(tile.layers)) {
    parts.push(name);
    for (let i = 0; i < layer.length; i++) parts.push(JSON.stringify(layer.feature(i).properties));
  }
  return parts.join('\n');
}

before(async () => {
  db = await testDb();
  await loadDemoCity(db, { now: NOW });
  // Every ticket gets a caller with every kind of private detail.
  await db.sql(`INSERT INTO ticket_contacts (ticket_id) SELECT id FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_contacts c WHERE c.ticket_id = t.id)`);
  await db.sql(`UPDATE ticket_contacts SET first_name = $first, last_name = $last, email = 'caller-' || ticket_id || '@' || $mail,
                  phone = '+380 67 555 ' || lpad((ticket_id % 10000)::text, 4, '0'), device_id = $device || ticket_id`,
  { first: FIRST, last: LAST, mail: MAIL, device: DEVICE });
  contacts = (await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM ticket_contacts'))[0]!.n;
  server = await startTestServer(db, { clock });
  values = await collectDemoValues(db);
  // The key startTestServer configures: a citizen's app as Open311 sees it.
  apiKey = 'test-key';
});
after(async () => { await server.close(); await db.close(); });

test('the planted callers are there to be found: the detector sees them on the staff card an operator may read', async () => {
  assert.ok(contacts > 300, `${contacts} callers`);
  const { headers } = await loginAs(db, server.url, 'operator');
  const res = await fetch(`${server.url}/api/tickets/${values.tickets[0]}`, { headers });
  assert.equal(res.status, 200);
  const found = leaks(await res.text());
  for (const needle of [FIRST, LAST, MAIL]) assert.ok(found.includes(needle), `${needle} in ${found.join(', ')}`);
  assert.ok(found.some((f) => f.startsWith('phone')), 'and the phone');
});

test('every GET route answers an anonymous caller and an Open311 key without a caller\'s name, phone or e-mail, in every format', async (t) => {
  const routes = listRoutes(createApp(server.deps)).filter((r) => r.method === 'GET' && r.path !== '/api/live');
  const walked: string[] = [];
  let answers = 0;
  for (const r of routes) {
    const names = pathParams(r.path);
    // Every valid value of every parameter once (both formats, every tile zoom), the others at their first value.
    const variants: Record<string, string>[] = [Object.fromEntries(names.map((n) => [n, demoParam(values, r.path, n)[0] ?? '1']))];
    for (const n of names) for (const v of demoParam(values, r.path, n).slice(1, 12)) variants.push({ ...variants[0]!, [n]: v });
    const queries = [...demoQueries(values, r).map((q) => new URLSearchParams(q).toString()), ''];
    if (r.path === '/api/ownerless') queries.push('format=csv', 'format=geojson', 'format=json');
    if (r.path === '/open311/v2/requests.:format') queries.push(`service_request_id=${(await allTicketIds()).join(',')}`);
    for (const params of variants) {
      for (const query of queries) {
        for (const auth of ['', `api_key=${apiKey}`]) {
          const q = [query, auth].filter(Boolean).join('&');
          const path = fillPath(r.path, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, encodeURIComponent(v)]))) + (q ? `?${q}` : '');
          const res = await rawRequest(server.url, { method: 'GET', path });
          if (res.status !== 200) continue;
          answers++;
          if (!walked.includes(routeKey(r))) walked.push(routeKey(r));
          const text = String(res.headers['content-type']).startsWith(MVT_TYPE) ? tileText(res.bytes) : res.body;
          assert.deepEqual(leaks(text), [], `GET ${path}`);
        }
      }
    }
  }
  t.diagnostic(`${answers} public answers over ${walked.length} routes`);
  for (const route of ['GET /open311/v2/requests.:format', 'GET /open311/v2/requests/:id.:format', 'GET /api/public/tickets/:token', 'GET /api/outages/:id', 'GET /api/ownerless', 'GET /api/duplicates', 'GET /api/addresses/:id/affected']) {
    assert.ok(walked.includes(route), `${route} answered publicly and was read`);
  }
});

async function allTicketIds(): Promise<number[]> {
  return (await db.sql<{ id: number }>('SELECT id FROM tickets ORDER BY id')).map((r) => r.id);
}

test('every ticket\'s public card and Open311 request, in JSON and XML, is free of its caller', async () => {
  const tickets = await db.sql<{ id: number; token: string }>('SELECT id, token::text AS token FROM tickets ORDER BY id');
  for (const { id, token } of tickets) {
    for (const path of [`/api/public/tickets/${token}`, `/open311/v2/requests/${id}.xml`, `/open311/v2/tokens/${token}.json`]) {
      const res = await rawRequest(server.url, { method: 'GET', path });
      assert.equal(res.status, 200, path);
      assert.deepEqual(leaks(res.body), [], path);
    }
  }
});

/** Tile addresses covering the demo city at zoom z. */
function tilesOver(z: number): { x: number; y: number }[] {
  const n = 2 ** z;
  const tx = (lon: number) => Math.floor(((lon + 180) / 360) * n);
  const ty = (lat: number) => { const r = (lat * Math.PI) / 180; return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n); };
  const [w, s, e, nn] = DEMO_BBOX;
  const out: { x: number; y: number }[] = [];
  for (let x = tx(w); x <= tx(e); x++) for (let y = ty(nn); y <= ty(s); y++) out.push({ x, y });
  return out;
}

test('every tile layer at zooms 10 to 16 over the whole demo city, decoded, holds no caller\'s details', async (t) => {
  let features = 0;
  let tiles = 0;
  const all = LAYERS.map((l) => l.id).join(',');
  for (const z of [10, 12, 14, 15, 16]) {
    for (const { x, y } of tilesOver(z)) {
      // All layers in one tile everywhere, and each layer alone where a city is drawn house by house.
      for (const source of z === 14 ? [all, ...LAYERS.map((l) => l.id)] : [all]) {
        const res = await rawRequest(server.url, { method: 'GET', path: `/tiles/${source}/${z}/${x}/${y}.mvt` }, 30_000);
        assert.ok(res.status === 200 || res.status === 204, `${source} ${z}/${x}/${y}: ${res.status}`);
        if (res.status !== 200) continue;
        tiles++;
        const decoded = new VectorTile(new PbfReader(res.bytes));
        features += Object.values(decoded.layers).reduce((sum, l) => sum + l.length, 0);
        assert.deepEqual(leaks(tileText(res.bytes)), [], `${source} ${z}/${x}/${y}`);
      }
    }
  }
  t.diagnostic(`${tiles} tiles, ${features} features`);
  assert.ok(features > 1000, `the tiles held features to look at (${features})`);
});

/** The live stream's text from now until stop(). */
function listen(): { text(): string; stop(): void } {
  let text = '';
  const req = http.get(`${server.url}/api/live`, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => { text += chunk; });
  });
  req.on('error', () => {});
  return { text: () => text, stop: () => req.destroy() };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('tickets filed with a name, phone and e-mail (web form, Open311, operator) and then worked on reach the live stream without them, and the answers to their callers do not echo them', async () => {
  const stream = listen();
  try {
    await waitFor('the stream to open', () => stream.text().includes(': connected'));
    const caller = { first_name: FIRST, last_name: LAST, email: `live@${MAIL}`, phone: '+380 67 555 9999' };
    const at = { lon: 36.3505, lat: 50.0301 };
    const web = await fetch(`${server.url}/api/public/tickets`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' },
      body: JSON.stringify({ category: 'pothole', ...at, description: 'Яма біля під’їзду', ...caller }),
    });
    const webText = await web.text();
    assert.equal(web.status, 201, webText);
    assert.deepEqual(leaks(webText), [], 'the web form\'s answer');
    const webId = (JSON.parse(webText) as { id: number }).id;

    const form = new URLSearchParams({ api_key: apiKey, service_code: 'pothole', lat: String(at.lat), long: String(at.lon), description: 'Яма', ...caller });
    const open311 = await fetch(`${server.url}/open311/v2/requests.xml`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    const open311Text = await open311.text();
    assert.equal(open311.status, 200, open311Text);
    assert.deepEqual(leaks(open311Text), [], 'the Open311 answer');
    const open311Id = Number(/<service_request_id>(\d+)</.exec(open311Text)?.[1]);

    const operator = await loginAs(db, server.url, 'operator');
    const staff = await fetch(`${server.url}/api/tickets`, {
      method: 'POST', headers: { ...operator.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ category: 'pothole', ...at, description: 'Дзвінок', ...caller }),
    });
    assert.equal(staff.status, 201, await staff.clone().text());
    const staffId = (await staff.json() as { id: number }).id;
    // A status change of a ticket with a caller: the change feed reads the ticket again for the stream.
    const [executor] = await db.sql<{ id: number }>('SELECT executor_id AS id FROM tickets WHERE id = $id', { id: staffId });
    const worker = await loginAs(db, server.url, 'executor', { organisationId: executor!.id });
    const accepted = await fetch(`${server.url}/api/tickets/${staffId}/transitions`, {
      method: 'POST', headers: { ...worker.headers, 'content-type': 'application/json' }, body: JSON.stringify({ to: 'accepted', version: 1 }),
    });
    assert.equal(accepted.status, 200, await accepted.clone().text());

    for (const id of [webId, open311Id, staffId]) await waitFor(`ticket ${id} on the stream`, () => stream.text().includes(`"service_request_id":"${id}"`));
    await waitFor('the acceptance on the stream', () => new RegExp(`"service_request_id":"${staffId}"[^\\n]*"status_code":"accepted"`).test(stream.text()));
    const stored = await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM ticket_contacts WHERE ticket_id IN ($a, $b, $c) AND first_name = $first', { a: webId, b: open311Id, c: staffId, first: FIRST });
    assert.equal(stored[0]!.n, 3, 'the callers were kept, privately');
    assert.deepEqual(leaks(stream.text()), [], 'the live stream');
  } finally {
    stream.stop();
  }
});
