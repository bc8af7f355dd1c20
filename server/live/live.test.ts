// The live stream: a committed ticket change reaches connected clients as public data and tile hints, fanned out from one read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { configWith, createIntakeCity, intakeTicket, rectWkt } from '../testing/factories/tickets.js';
import { createChangeFeed, type Change, type ChangeFeed } from './changes.js';
import { LiveHub } from './stream.js';
import type { Db, Queryable } from '../db/db.js';

let db: Db;
let server: TestServer;
let city: Awaited<ReturnType<typeof createIntakeCity>>;

const PRIVATE = { first_name: 'Невидима', last_name: 'Людина-L5', email: 'hidden.l5@example.com', phone: '+380 63 555 0505' };

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { config: configWith() });
  city = await createIntakeCity(db);
});
after(async () => { await server.close(); await db.close(); });

interface SseEvent { event: string; data: string }

/** A Server-Sent Events reader: waits for the next event matching a test, and keeps the raw text. */
async function openStream(url: string) {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let raw = '';
  const queue: SseEvent[] = [];
  const pull = async () => {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended');
    buffer += value;
    raw += value;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (event) queue.push({ event, data });
    }
  };
  return {
    get raw() { return raw; },
    async next(event: string, match: (data: any) => boolean = () => true, timeoutMs = 10_000): Promise<any> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = queue.findIndex((e) => e.event === event && match(JSON.parse(e.data)));
        if (i >= 0) return JSON.parse(queue.splice(i, 1)[0]!.data);
        if (Date.now() > deadline) throw new Error(`no "${event}" event within ${timeoutMs} ms`);
        await Promise.race([pull(), new Promise((r) => setTimeout(r, 200))]);
      }
    },
    close() { controller.abort(); },
  };
}

test('a new ticket reaches a connected client as its public projection and a tiles hint for its box', async () => {
  const stream = await openStream(`${server.url}/api/live`);
  try {
    const res = await fetch(`${server.url}/open311/v2/requests.json`, {
      method: 'POST', body: new URLSearchParams({ api_key: 'test-key', service_code: city.category, lat: '50.03', long: '36.36', description: 'Наживо', ...PRIVATE }),
    });
    const id = (await res.json() as { service_request_id: string }[])[0]!.service_request_id;
    const ticket = await stream.next('ticket', (d) => d.service_request_id === id);
    assert.match(stream.raw, /^retry: \d+\n/);
    assert.equal(ticket.description, 'Наживо');
    assert.equal(ticket.status, 'open');
    assert.equal(ticket.status_code, 'new');
    assert.equal(ticket.agency_responsible, city.executor.name);
    assert.deepEqual([ticket.lat, ticket.long], [50.03, 36.36]);
    const tiles = await stream.next('tiles', (d) => d.layers[0] === 'tickets');
    assert.deepEqual(tiles, { layers: ['tickets'], bbox: [36.36, 50.03, 36.36, 50.03] });
    for (const secret of Object.values(PRIVATE)) assert.ok(!stream.raw.includes(secret), `the stream leaks ${secret}`);
    const token = (await db.sql<{ token: string }>('SELECT token::text AS token FROM tickets WHERE id = $id', { id: Number(id) }))[0]!.token;
    assert.ok(!stream.raw.includes(token), 'the stream leaks the token');
  } finally {
    stream.close();
  }
});

test('a status change is streamed too, and an outage change names the outage and address layers', async () => {
  const stream = await openStream(`${server.url}/api/live`);
  try {
    const t = await intakeTicket(db, { categoryCode: city.category, lon: 36.361, lat: 50.031 });
    await stream.next('ticket', (d) => d.service_request_id === String(t.id));
    await db.sql("UPDATE tickets SET status = 'in_progress' WHERE id = $id", { id: t.id });
    const changed = await stream.next('ticket', (d) => d.service_request_id === String(t.id) && d.status_code === 'in_progress');
    assert.equal(changed.status, 'open');
    await db.sql(`INSERT INTO outages (utility, kind, executor_id, status, starts_at, public_text, zone_source, zone)
      VALUES ('power', 'planned', $ex, 'scheduled', now(), 'Планові роботи', 'polygon', ST_GeomFromEWKT($zone))`,
    { ex: city.executor.id, zone: rectWkt([36.35, 50.02, 36.36, 50.03]) });
    const tiles = await stream.next('tiles', (d) => d.layers.includes('outages'));
    assert.deepEqual(tiles, { layers: ['outages', 'addresses'], bbox: [36.35, 50.02, 36.36, 50.03] });
  } finally {
    stream.close();
  }
});

test('a client that asks for a bbox hears only about what happens inside it', async () => {
  const stream = await openStream(`${server.url}/api/live?bbox=36.37,50.04,36.38,50.05`);
  try {
    const outside = await intakeTicket(db, { categoryCode: city.category, lon: 36.341, lat: 50.021 });
    const inside = await intakeTicket(db, { categoryCode: city.category, lon: 36.375, lat: 50.045 });
    const first = await stream.next('ticket');
    assert.equal(first.service_request_id, String(inside.id));
    assert.ok(!stream.raw.includes(`"service_request_id":"${outside.id}"`));
  } finally {
    stream.close();
  }
  assert.equal((await fetch(`${server.url}/api/live?bbox=1,2,3`)).status, 400);
});

// ---- the hub itself: heartbeats, disconnects, fan-out cost -----------------------------------

async function hubServer(hub: LiveHub): Promise<{ url: string; server: Server }> {
  const srv = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write('retry: 3000\n\n');
    const remove = hub.add(res);
    req.once('close', remove);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, server: srv };
}

test('a connected client gets heartbeat comments, and a disconnect leaves nothing subscribed', async () => {
  const changes = await createChangeFeed(db);
  const hub = new LiveHub({ db, changes, timeZone: 'Europe/Kyiv', heartbeatMs: 50 });
  const { url, server: srv } = await hubServer(hub);
  try {
    const stream = await openStream(url);
    const deadline = Date.now() + 5000;
    while (!stream.raw.includes(': heartbeat') && Date.now() < deadline) await stream.next('never', undefined, 100).catch(() => {});
    assert.ok(stream.raw.includes(': heartbeat\n\n'));
    assert.equal(hub.size, 1);
    stream.close();
    const gone = Date.now() + 5000;
    while (hub.size > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    assert.equal(hub.size, 0);
  } finally {
    hub.close();
    srv.closeAllConnections();
    srv.close();
    await changes.close();
  }
});

test('500 connected clients all get a change from one database read', async () => {
  let reads = 0;
  const counting: Queryable = {
    query: (name, params) => { if (name === 'tickets/public-by-ids') reads += 1; return db.query(name, params); },
    sql: (text, params) => db.sql(text, params),
    exec: (script) => db.exec(script),
  };
  const changes = await createChangeFeed(db);
  const hub = new LiveHub({ db: counting, changes, timeZone: 'Europe/Kyiv' });
  const { url, server: srv } = await hubServer(hub);
  const clients: { got: Promise<string>; destroy(): void }[] = [];
  try {
    for (let i = 0; i < 500; i++) {
      clients.push(await new Promise((resolve) => {
        const req = request(url, { agent: false }, (res) => {
          let text = '';
          const got = new Promise<string>((done) => {
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => { text += chunk; if (text.includes('event: ticket')) done(text); });
          });
          resolve({ got, destroy: () => req.destroy() });
        });
        req.end();
      }));
    }
    const deadline = Date.now() + 5000;
    while (hub.size < 500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(hub.size, 500);
    const t = await intakeTicket(db, { categoryCode: city.category, lon: 36.362, lat: 50.032 });
    const texts = await Promise.all(clients.map((c) => c.got));
    assert.ok(texts.every((text) => text.includes(`"service_request_id":"${t.id}"`)));
    assert.equal(reads, 1);
  } finally {
    for (const c of clients) c.destroy();
    hub.close();
    srv.closeAllConnections();
    srv.close();
    await changes.close();
  }
});

/** A change feed the test drives by hand. */
function handFeed() {
  let emit: ((c: Change) => void) | undefined;
  const feed: ChangeFeed = { subscribe: (fn) => { emit = fn; return () => { emit = undefined; }; }, close: async () => {} };
  return { feed, emit: (c: Change) => emit!(c) };
}

test('a burst goes out as one tiles hint over all its boxes, and the window after a busy batch is the longer one', async () => {
  const { feed, emit } = handFeed();
  const hub = new LiveHub({ db, changes: feed, timeZone: 'Europe/Kyiv', batchMs: 10, busyBatchMs: 3000, busyChanges: 5 });
  const { url, server: srv } = await hubServer(hub);
  try {
    const stream = await openStream(url);
    while (hub.size < 1) await new Promise((r) => setTimeout(r, 10));
    // Six deleted tickets in one window: six ticket events, one tiles hint over the six boxes.
    const lons = [36.3, 36.31, 36.32, 36.33, 36.34, 36.35];
    for (const [i, lon] of lons.entries()) emit({ table: 'tickets', id: String(900_000_000 + i), op: 'delete', old: [lon, 50, lon, 50.01], new: null });
    const hint = await stream.next('tiles');
    assert.deepEqual(hint, { layers: ['tickets'], bbox: [36.3, 50, 36.35, 50.01] });
    for (let i = 0; i < 6; i++) await stream.next('ticket', (d) => d.service_request_id === String(900_000_000 + i) && d.deleted === true);
    assert.equal(stream.raw.split('event: tiles\n').length - 1, 1, 'one tiles hint for the batch');

    // That batch was busy: the next change waits the busy window (3 s) ...
    let t0 = Date.now();
    emit({ table: 'tickets', id: '900000010', op: 'delete', old: [36.3, 50, 36.3, 50], new: null });
    await stream.next('ticket', (d) => d.service_request_id === '900000010');
    assert.ok(Date.now() - t0 >= 2500, `after a busy batch a change waits the longer window (waited ${Date.now() - t0} ms)`);
    // ... and that batch of one was quiet: the next goes out after the short one.
    t0 = Date.now();
    emit({ table: 'tickets', id: '900000011', op: 'delete', old: [36.3, 50, 36.3, 50], new: null });
    await stream.next('ticket', (d) => d.service_request_id === '900000011');
    assert.ok(Date.now() - t0 < 2500, `after a quiet batch a change goes out at once (waited ${Date.now() - t0} ms)`);
    stream.close();
  } finally {
    hub.close();
    srv.closeAllConnections();
    srv.close();
  }
});

test('?detail=brief streams a ticket as its id, place and state only; an unknown detail is a 400', async () => {
  const brief = await openStream(`${server.url}/api/live?detail=brief`);
  const full = await openStream(`${server.url}/api/live`);
  try {
    const t = await intakeTicket(db, { categoryCode: city.category, lon: 36.3625, lat: 50.0325, description: 'Коротко про довге' });
    const got = await brief.next('ticket', (d) => d.service_request_id === String(t.id));
    assert.deepEqual(Object.keys(got).sort(), ['group', 'lat', 'long', 'service_code', 'service_request_id', 'status', 'status_code', 'updated_datetime']);
    assert.deepEqual([got.lat, got.long, got.status, got.status_code, got.service_code], [50.0325, 36.3625, 'open', 'new', city.category]);
    assert.ok(!brief.raw.includes('Коротко про довге'), 'the brief stream carries no description');
    // The same change in full to a client that asked for nothing, and the same tiles hint to both.
    const whole = await full.next('ticket', (d) => d.service_request_id === String(t.id));
    assert.equal(whole.description, 'Коротко про довге');
    const around = (d: { layers: string[]; bbox: number[] | null }) => d.layers[0] === 'tickets' && d.bbox !== null && d.bbox[0]! <= 36.3625 && d.bbox[2]! >= 36.3625;
    assert.deepEqual(await brief.next('tiles', around), await full.next('tiles', around));
  } finally {
    brief.close();
    full.close();
  }
  const bad = await fetch(`${server.url}/api/live?detail=everything`);
  assert.equal(bad.status, 400);
  assert.match((await bad.json() as { detail: string }).detail ?? '', /detail/);
});
