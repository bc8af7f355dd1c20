// Hostile input against every route the app's routers declare: no answer is ever a 5xx, oversized bodies get 413, and the server stays healthy.
// Reproduce a failure with MISTO_FUZZ_SEED=<seed> (printed in every test name); MISTO_FUZZ_RUNS scales the case counts (default 1).
// PostgreSQL only: the embedded database takes a minute to load the demo city and answers one query at a time, so thousands of cases there would take many minutes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { loadConfig } from '../config.js';
import { createApp } from '../app.js';
import { ManualClock } from '../clock.js';
import { loadDemoCity } from '../../fixtures/demo-city.js';
import type { Db } from '../db/db.js';
import { listRoutes, pathParams, fillPath, routeKey, type RouteInfo } from './routes.js';
import { collectDemoValues, demoParam, demoQueries, type DemoValues } from './demo-values.js';
import { rawRequest, type RawRequest, type RawResponse } from './raw-request.js';
import {
  encodeComponent, hostileComponent, hostileJsonValue, hostileText, deepNesting, MALFORMED_JSON, RAW_JSON_NUMBERS, RAW_ENCODED, TRAVERSALS,
  HOSTILE_GEOMETRIES, SQL_INJECTIONS, UNICODE_EDGES, EDGE_VALUES,
} from './hostile.js';

const SEED = Number(process.env.MISTO_FUZZ_SEED ?? 1562);
const SCALE = Number(process.env.MISTO_FUZZ_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

const NOW = new Date('2026-11-23T09:00:00Z');
const clock = new ManualClock(NOW);
let db: Db;
let server: TestServer;
let routes: RouteInfo[];
const exercised = new Map<string, number>();
const statuses = new Map<string, number>();
const problems: string[] = [];
const onUnhandled = (err: unknown) => problems.push(`unhandled rejection: ${String(err)}`);

type Who = 'anonymous' | 'admin' | 'operator' | 'executor' | 'inspector';
const sessions = {} as Record<Exclude<Who, 'anonymous'>, Record<string, string>>;

let S: DemoValues;

before(async () => {
  process.on('unhandledRejection', onUnhandled);
  db = await testDb();
  await loadDemoCity(db, { now: NOW });
  const base = loadConfig({});
  // Rate limits and load shedding off: the fuzz is to reach the handlers, and a fast 503 on a busy test machine is the load tests' business.
  server = await startTestServer(db, {
    clock, config: { dbMaxQueue: 0, dbMaxWaitMs: 0, tickets: { ...base.tickets, webRequestsPerWindow: 10_000_000, open311RequestsPerWindow: 10_000_000 } },
  });
  routes = listRoutes(createApp(server.deps));
  for (const who of ['admin', 'operator', 'inspector'] as const) sessions[who] = (await loginAs(db, server.url, who)).headers;
  const [water] = await db.sql<{ id: number }>("SELECT id FROM organisations WHERE code = 'water'");
  sessions.executor = (await loginAs(db, server.url, 'executor', { organisationId: water!.id })).headers;
  S = await collectDemoValues(db);
});

after(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server?.close();
  await db?.close();
});

const validParam = (path: string, name: string) => demoParam(S, path, name);
const querySeeds = (r: RouteInfo) => demoQueries(S, r);

const QUERY_KEYS = ['id', 'lon', 'lat', 'long', 'bbox', 'q', 'limit', 'offset', 'category', 'kinds', 'radius', 'radius_m', 'format', 'stage', 'status', 'executor',
  'from', 'to', 'date', 'page', 'page_size', 'service_code', 'service_request_id', 'start_date', 'end_date', 'api_key', 'lang', 'object_id', 'sort', 'jurisdiction_id',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', ''];

/** A query string: the seed with some values made hostile, keys repeated (arrays) or added. */
function hostileQuery(r: RouteInfo): fc.Arbitrary<string> {
  const seeds = querySeeds(r);
  return fc.tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(
      fc.constantFrom('set', 'set', 'set', 'repeat', 'drop', 'bracket'),
      // Mostly the keys the route reads, so that the hostile value meets its validator.
      Object.keys(seeds[0]!).length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...Object.keys(seeds[0]!)) }, { weight: 1, arbitrary: fc.constantFrom(...QUERY_KEYS) }) : fc.constantFrom(...QUERY_KEYS),
      hostileComponent(),
    ), { minLength: 1, maxLength: 3 }),
  ).map(([seed, ops]) => {
    const pairs: [string, string][] = Object.entries(seed).map(([k, v]) => [encodeComponent(k), encodeComponent(v)]);
    for (const [op, key, value] of ops) {
      const k = encodeComponent(key);
      if (op === 'set') {
        const i = pairs.findIndex((p) => p[0] === k);
        if (i >= 0) pairs[i] = [k, value]; else pairs.push([k, value]);
      } else if (op === 'repeat') {
        pairs.push([k, value], [k, value]);
      } else if (op === 'drop') {
        const i = pairs.findIndex((p) => p[0] === k);
        if (i >= 0) pairs.splice(i, 1);
      } else {
        pairs.push([`${k}%5B%5D`, value], [`${k}%5Ba%5D%5Bb%5D`, value]);
      }
    }
    return pairs.map(([k, v]) => `${k}=${v}`).join('&');
  });
}

const DAY_BEFORE = '2026-11-22';
const polygon = { type: 'Polygon', coordinates: [[[36.35, 50.03], [36.352, 50.03], [36.352, 50.032], [36.35, 50.032], [36.35, 50.03]]] };
const line = { type: 'LineString', coordinates: [[36.35, 50.03], [36.352, 50.031]] };
const point = { type: 'Point', coordinates: [36.351, 50.031] };

/** A valid body for each write route (validated, then mutated by the fuzz); a route not listed starts from {}. */
function bodySeeds(r: RouteInfo): Record<string, unknown>[] {
  const category = S.categories[0]!;
  const zones = [{ polygon }, { line, buffer_m: 30 }, { street_id: S.streets[0], house_from: 1, house_to: 20, parity: 'odd' }, { address_ids: S.addresses.slice(0, 3).map(Number) }];
  const seeds: Record<string, Record<string, unknown>[]> = {
    'POST /api/auth/login': [{ login: 'nobody.here', password: 'wrong password' }],
    'POST /api/admin/api-keys': [{ name: 'Мобільний застосунок' }],
    'POST /api/admin/users': [{ login: 'fuzz.user', display_name: 'Фазз', role: 'executor', organisation_id: S.organisations[0], password: 'a long enough password' }],
    'POST /api/tickets': [{ category, lon: 36.351, lat: 50.031, description: 'Тече труба', first_name: 'Іван', phone: '+380 50 123 4567', deadline_class: 'standard', cause: 'x', premises_access: 'y', caller_informed: true },
      { category, address_id: Number(S.addresses[0]), duplicate_of: Number(S.tickets[3]), last_name: 'Коваль', email: 'i@k.ua', media_url: 'https://x.ua/1.jpg', device_id: 'd1' }],
    'POST /api/tickets/:id/transitions': [{ to: 'accepted', version: 1 }, { to: 'done', version: 1, completion: { note: 'Зроблено', media_url: 'https://x.ua/a.jpg', lon: 36.35, lat: 50.03 } }, { to: 'duplicate', duplicate_of: Number(S.tickets[1]), version: 1 }],
    'POST /api/tickets/:id/decline': [{ reason: 'не наше', version: 1 }],
    'POST /api/tickets/:id/route': [{ executor_id: S.organisations[1], note: 'x', version: 1 }],
    'POST /api/public/tickets': [{ category, lon: 36.351, lat: 50.031, description: 'Не світить ліхтар', email: 'a@b.ua', attributes: {} }, { category, address_string: 'Гвардійців-Широнінців 1', object_id: Number(S.objects[0]) }],
    'POST /api/public/tickets/:token/rating': [{ rating: 5 }],
    'POST /api/public/tickets/:token/reopen': [{ reason: 'Знову тече' }],
    'POST /api/outages': zones.map((zone) => ({ utility: 'water', kind: 'planned', starts_at: '2026-11-24T08:00:00+02:00', ends_at: '2026-11-24T16:00:00+02:00', public_text: 'Ремонт', zone })),
    'PATCH /api/outages/:id': zones.map((zone) => ({ version: 1, public_text: 'Оновлено', ends_at: '2026-11-25T16:00:00Z', zone })),
    'POST /api/outages/preview': zones.map((zone) => ({ zone })),
    'POST /api/outages/:id/cancel': [{ version: 1, note: 'скасовано' }],
    'POST /api/outages/:id/resolve': [{ version: 1, note: 'відновлено' }],
    'POST /api/telephonograms': [{ address_ids: S.addresses.slice(0, 2).map(Number), text: 'Телефонограма', valid_until: '2026-11-25T00:00:00Z' }],
    'POST /api/objects': [{ kind: S.kinds[0], geometry: point, label: 'Опора', photos: ['https://x.ua/p.jpg'], owner_id: S.organisations[0], evidence_ref: 'Наказ 1', evidence_date: DAY_BEFORE }, { kind: S.kinds[1] ?? S.kinds[0], geometry: line }],
    'PATCH /api/objects/:id': [{ version: 1, label: 'Нова', geometry: point, owner_id: null }],
    'POST /api/objects/:id/claims': [{ organisation_id: S.organisations[0], claim: 'ours', role: 'owner', evidence_ref: 'Акт 5', evidence_date: DAY_BEFORE }],
    'POST /api/claims/:id/resolve': [{ resolution: 'accepted', reason: 'Документи в порядку' }],
    'POST /api/ownerless': [{ danger_level: 'high', found_at: DAY_BEFORE, note: 'Обірвана лінія', kind: S.kinds[0], geometry: point, label: 'Без власника' }, { danger_level: 'low', object_id: Number(S.objects[2]) }],
    'POST /api/ownerless/:id/advance': [{ stage: 'on_record', at: DAY_BEFORE, ref: 'Рішення 7' }],
    'POST /open311/v2/requests.:format': [{ api_key: 'test-key', service_code: category, lat: 50.031, long: 36.351, description: 'Яма', email: 'a@b.ua', first_name: 'Іван', 'attribute[depth]': '10' }],
  };
  return seeds[routeKey(r)] ?? [{}];
}

/** Every path into a JSON value: [] is the whole, ['zone', 'polygon', 'coordinates', 0] a part. */
function pathsIn(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.slice(0, 5).forEach((v, i) => {
    out.push(...pathsIn(v, [...prefix, i]));
  });
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...pathsIn(v, [...prefix, k]));
  return out;
}

function replaceAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy: Record<string | number, unknown> = Array.isArray(value) ? [...value] as never : { ...(value as object) };
  copy[head!] = replaceAt(copy[head!], rest, replacement);
  return copy;
}

/** qs-style form encoding (zone[polygon][type]=…), the way @koa/bodyparser reads nested keys back. */
function formEncode(value: unknown, prefix = ''): string[] {
  if (value === null || value === undefined) return [`${prefix}=`];
  if (typeof value !== 'object') return [`${prefix}=${encodeComponent(String(value))}`];
  return Object.entries(value).flatMap(([k, v]) => formEncode(v, prefix ? `${prefix}%5B${encodeComponent(k)}%5D` : encodeComponent(k)));
}

interface Body {
  type?: string;
  text: string | Buffer;
  encoding?: string;
}

const RAW = '\u0000raw\u0000';
const json = (v: unknown): Body => ({ type: 'application/json', text: JSON.stringify(v) ?? 'null' });

/** A hostile body for a write route, built from one of its valid bodies. */
function hostileBody(r: RouteInfo): fc.Arbitrary<Body> {
  return fc.constantFrom(...bodySeeds(r)).chain((seed) => {
    const paths = pathsIn(seed);
    const at = fc.constantFrom(...paths);
    return fc.oneof(
      { weight: 6, arbitrary: fc.tuple(at, hostileJsonValue()).map(([p, v]) => json(replaceAt(seed, p, v))) },
      { weight: 1, arbitrary: fc.tuple(at, fc.constantFrom(...HOSTILE_GEOMETRIES)).map(([p, v]) => json(replaceAt(seed, p, v))) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...Object.keys(seed), 'extra', '__proto__'), hostileJsonValue()).map(([k, v]) => json({ ...seed, [k]: v })) },
      { weight: 1, arbitrary: fc.tuple(at, fc.constantFrom(...RAW_JSON_NUMBERS)).map(([p, raw]) => ({ type: 'application/json', text: JSON.stringify(replaceAt(seed, p, RAW)).replace(JSON.stringify(RAW), raw) })) },
      { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((text) => ({ type: 'application/json', text })) },
      { weight: 1, arbitrary: hostileJsonValue().map(json) },
      { weight: 2, arbitrary: fc.tuple(at, hostileText()).map(([p, v]) => ({ type: 'application/x-www-form-urlencoded', text: formEncode(replaceAt(seed, p, v)).join('&') })) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...RAW_ENCODED, '&&&', '=', 'a[', 'a]=1', 'a[b]=1&a=2', 'a[][][][][][][][][][][][][][][][][][][][][][]=1', '__proto__[x]=1', 'constructor[prototype][x]=1'), fc.constantFrom('', '&x=1'))
        .map(([t, tail]) => ({ type: 'application/x-www-form-urlencoded', text: t + tail })) },
      { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 100, max: 60_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.boolean())
        .map(([depth, kind, inField]) => ({ type: 'application/json', text: inField ? `{"zone":${deepNesting(depth, kind)},"name":${deepNesting(depth, kind)}}` : deepNesting(depth, kind) })) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16le', 'application/json; charset=koi8-r',
        'application/json; charset=bogus', 'application/x-www-form-urlencoded; charset=latin1', 'application/*', '*/*', ';;;', 'application/json, text/html', ''), fc.boolean())
        .map(([type, asForm]) => ({ type: type || undefined, text: asForm ? formEncode(seed).join('&') : JSON.stringify(seed) })) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'gzip, gzip', 'identity', 'x-bogus'), fc.boolean())
        .map(([encoding, real]) => ({ type: 'application/json', encoding, text: real && encoding === 'gzip' ? gzipSync(JSON.stringify(seed)) : 'not compressed at all' })) },
    );
  });
}

/** Who sends it: nobody, a session with its CSRF token, or a session without it. */
const whoArb = fc.tuple(fc.constantFrom<Who>('anonymous', 'admin', 'admin', 'operator', 'executor', 'inspector'), fc.boolean(), fc.integer({ min: 1, max: 254 }));

function requestHeaders(r: RouteInfo, [who, csrf, address]: [Who, boolean, number]): Record<string, string> {
  // Logging out would end the session the rest of the run uses.
  const as = r.path === '/api/auth/logout' ? 'anonymous' : who;
  const h: Record<string, string> = { 'x-forwarded-for': `198.51.100.${address}` };
  if (as !== 'anonymous') {
    h.cookie = sessions[as].Cookie!;
    if (csrf) h['x-csrf-token'] = sessions[as]['X-CSRF-Token']!;
  }
  return h;
}

function pathArb(r: RouteInfo): fc.Arbitrary<string> {
  const names = pathParams(r.path);
  if (names.length === 0) return fc.constant(r.path);
  return fc.tuple(...names.map((n) => hostileComponent(validParam(r.path, n)))).map((values) =>
    fillPath(r.path, Object.fromEntries(names.map((n, i) => [n, values[i]!]))));
}

const validPath = (r: RouteInfo) => fillPath(r.path, Object.fromEntries(pathParams(r.path).map((n) => [n, encodeComponent(validParam(r.path, n)[0] ?? '1')])));

/** Sends it and records what would fail the suite: a 5xx, a network error, a hang. */
async function send(req: RawRequest, route: string): Promise<RawResponse | undefined> {
  exercised.set(route, (exercised.get(route) ?? 0) + 1);
  let res: RawResponse;
  try {
    res = await rawRequest(server.url, req);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // The server may answer a too-large body early and close while the client still writes: that is the 413 working.
    if ((code === 'ECONNRESET' || code === 'EPIPE') && req.body !== undefined && Buffer.byteLength(req.body) > 64 * 1024) return undefined;
    problems.push(`${route}: ${req.method} ${req.path.slice(0, 300)} → ${(err as Error).message}`);
    return undefined;
  }
  const cls = `${Math.floor(res.status / 100)}xx`;
  statuses.set(cls, (statuses.get(cls) ?? 0) + 1);
  if (res.status >= 500) problems.push(`${route}: ${req.method} ${req.path.slice(0, 300)} [${String(req.headers?.['content-type'])}] ${String(req.body ?? '').slice(0, 300)} → ${res.status} ${res.body.slice(0, 300)}`);
  return res;
}

async function property<T>(name: string, arb: fc.Arbitrary<T>, numRuns: number, run: (value: T) => Promise<void>) {
  const before = problems.length;
  // Every case runs and every failing request is printed whole: shrinking would cost minutes of requests and show one finding at a time.
  await fc.assert(fc.asyncProperty(arb, run), { seed: SEED, numRuns });
  assert.deepEqual(problems.slice(before), [], `${name}: answers of 500 or more, or no answer (seed ${SEED})`);
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

test(`the route list comes from the routers and holds every feature's routes`, () => {
  const keys = new Set(routes.map(routeKey));
  for (const k of ['GET /health', 'POST /open311/v2/requests.:format', 'GET /tiles/:source/:z/:x/:file', 'POST /api/outages', 'PATCH /api/objects/:id', 'POST /api/public/tickets', 'GET /api/live']) {
    assert.ok(keys.has(k), `${k} is among the routes`);
  }
  assert.ok(routes.length >= 60, `${routes.length} routes`);
});

test(`hostile path segments and query strings on every route never get a 5xx (seed ${SEED}, ${runs(1000)} cases)`, async () => {
  const arb = fc.constantFrom(...routes).chain((r) => fc.tuple(fc.constant(r), pathArb(r), hostileQuery(r), whoArb));
  await property('paths and queries', arb, runs(1000), async ([r, path, query, who]) => {
    await send({ method: r.method, path: `${path}?${query}`, headers: requestHeaders(r, who) }, routeKey(r));
  });
});

test(`hostile bodies on every write route never get a 5xx (seed ${SEED}, ${runs(1200)} cases)`, async () => {
  const writes = routes.filter((r) => WRITES.has(r.method));
  const idempotencyKey = fc.option(fc.constantFrom('fuzz-1', 'fuzz-2', 'k'.repeat(200), 'k'.repeat(201), 'ключ', 'a b', "'; DROP TABLE idempotency_keys; --"), { freq: 3 });
  const arb = fc.constantFrom(...writes).chain((r) => fc.tuple(fc.constant(r), pathArb(r), hostileBody(r), whoArb, fc.boolean(), idempotencyKey));
  await property('bodies', arb, runs(1200), async ([r, hostilePath, body, who, keepPath, key]) => {
    const headers = requestHeaders(r, who);
    if (key !== null) headers['idempotency-key'] = encodeURIComponent(key);
    if (body.type) headers['content-type'] = body.type;
    if (body.encoding) headers['content-encoding'] = body.encoding;
    const path = keepPath ? validPath(r) : hostilePath;
    const query = r.path.startsWith('/open311/') && keepPath ? '?api_key=test-key' : '';
    await send({ method: r.method, path: path + query, headers, body: body.text }, routeKey(r));
  });
});

const HEADER_NAMES = ['host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'accept-encoding', 'if-none-match', 'cookie', 'x-csrf-token', 'idempotency-key',
  'accept', 'accept-language', 'origin', 'range', 'if-modified-since', 'content-type', 'authorization', 'last-event-id', 'user-agent'];

/** Header values Node lets a client send: visible ASCII and spaces, or Latin-1 bytes. */
const headerValue = fc.oneof(
  fc.constantFrom(...SQL_INJECTIONS.filter((s) => /^[\x20-\x7e]*$/.test(s)), 'gzip;q=NaN, *;q=0, identity;q=0', '*', 'W/"x", *', '"', ',,,,', 'misto_session=; misto_session=x',
    'misto_session=' + 'a'.repeat(4000), 'bytes=0-1,2-3', '[::1]:80', 'evil.example', 'a:b:c:d', '999.999.999.999', '::ffff:127.0.0.1', 'https, http', 'javascript:alert(1)'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  fc.constantFrom(...UNICODE_EDGES).map((s) => Buffer.from(s, 'utf8').toString('latin1').replace(/[\x00-\x1f\x7f]/g, '')),
);

test(`hostile headers on every route never get a 5xx (seed ${SEED}, ${runs(400)} cases)`, async () => {
  const arb = fc.tuple(fc.constantFrom(...routes), fc.uniqueArray(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue), { minLength: 1, maxLength: 3, selector: ([n]) => n }), whoArb);
  await property('headers', arb, runs(400), async ([r, pairs, who]) => {
    const headers = requestHeaders(r, who);
    for (const [name, value] of pairs) headers[name] = value;
    const seed = bodySeeds(r)[0];
    const body = WRITES.has(r.method) ? JSON.stringify(seed) : undefined;
    if (body !== undefined && !pairs.some(([n]) => n === 'content-type')) headers['content-type'] = 'application/json';
    await send({ method: r.method, path: validPath(r), headers, ...(body === undefined ? {} : { body }) }, routeKey(r));
  });
});

test(`hostile static paths (traversal, encodings, methods) never get a 5xx nor a file from outside web/dist (seed ${SEED}, ${runs(300)} cases)`, async () => {
  const prefix = fc.constantFrom('/', '/assets/', '/tiles/', '/track/', '/open311/v2/', '/api/', '/api/public/tickets/', '//', '/./', '/favicon.svg/');
  const segment = fc.oneof(fc.constantFrom(...TRAVERSALS).map((t) => t.split('/').map(encodeComponent).join('/')), fc.constantFrom(...TRAVERSALS), fc.constantFrom(...RAW_ENCODED), hostileComponent());
  const arb = fc.tuple(prefix, fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'PROPFIND'));
  await property('static paths', arb, runs(300), async ([p, segments, method]) => {
    // Node's client refuses a space or a control character in a path; those are the server's HTTP parser's to refuse anyway.
    const path = (p + segments.join('/')).replace(/[\s\x00-\x1f\x7f-\uffff]/g, (c) => encodeComponent(c));
    const res = await send({ method, path, headers: { 'x-forwarded-for': '203.0.113.9' } }, 'static');
    if (res && res.status === 200) {
      for (const secret of ['"dependencies"', 'root:x:0:0', 'DATABASE_URL', '[core]', 'BEGIN RSA']) {
        assert.ok(!res.body.includes(secret), `${method} ${path} served a file from outside web/dist (${secret})`);
      }
    }
  });
});

const PATH_EDGES = ['%00', '%ED%A0%80', '0', '1.5', '2147483648', '9223372036854775808', '%27%20OR%20%271%27%3D%271', '%2e%2e%2f', 'x'.repeat(3000)];
const QUERY_EDGES = ['a%00b', '%ED%A0%80', '', '%27%20OR%20%271%27%3D%271', '-1', '2147483648', '1e308', 'x'.repeat(5000)];

test(`the sweep: every path parameter, query parameter and body field of every route, given each edge value in turn, never gets a 5xx`, async (t) => {
  const before = problems.length;
  const cases: { req: RawRequest; route: string }[] = [];
  for (const r of routes) {
    const headers = requestHeaders(r, ['admin', true, 100]);
    const names = pathParams(r.path);
    for (const name of names) {
      for (const edge of PATH_EDGES) {
        const values = Object.fromEntries(names.map((n) => [n, encodeComponent(validParam(r.path, n)[0] ?? '1')]));
        values[name] = edge;
        cases.push({ req: { method: r.method, path: fillPath(r.path, values), headers }, route: routeKey(r) });
      }
    }
    for (const seed of querySeeds(r)) {
      for (const key of Object.keys(seed)) {
        for (const edge of [...QUERY_EDGES, 'repeat']) {
          const pairs = Object.entries(seed).map(([k, v]) => `${encodeComponent(k)}=${k !== key ? encodeComponent(v) : edge === 'repeat' ? `${encodeComponent(v)}&${k}=${encodeComponent(v)}` : edge}`);
          cases.push({ req: { method: r.method, path: `${validPath(r)}?${pairs.join('&')}`, headers }, route: routeKey(r) });
        }
      }
    }
    if (!WRITES.has(r.method)) continue;
    const swept = new Set<string>();
    const query = r.path.startsWith('/open311/') ? '?api_key=test-key' : '';
    for (const seed of bodySeeds(r)) {
      // A field several seeds share (an outage's utility in each zone's seed) is swept once.
      for (const at of pathsIn(seed).filter((p) => p.length > 0 && !swept.has(JSON.stringify(p)))) {
        swept.add(JSON.stringify(at));
        // Where a geometry goes, every malformed, degenerate and out-of-range geometry too.
        const geometryField = ['geometry', 'polygon', 'line', 'zone'].includes(String(at[at.length - 1]));
        for (const edge of geometryField ? [...EDGE_VALUES, ...HOSTILE_GEOMETRIES] : EDGE_VALUES) {
          cases.push({ req: { method: r.method, path: validPath(r) + query, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(replaceAt(seed, at, edge)) }, route: routeKey(r) });
        }
      }
    }
  }
  // Four at a time: the cases are independent, and a real server answers several clients at once anyway.
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      await send(c.req, c.route);
    }
  }));
  t.diagnostic(`${cases.length} sweep cases`);
  assert.deepEqual(problems.slice(before), []);
});

test('a body over the limit gets 413 on every write route, and a huge deeply nested body gets a 4xx', async () => {
  const before = problems.length;
  for (const r of routes.filter((x) => WRITES.has(x.method))) {
    const headers: Record<string, string> = { ...sessions.admin, 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.200' };
    if (r.path === '/api/auth/logout') continue;
    const huge = JSON.stringify({ api_key: 'test-key', description: 'я'.repeat(600 * 1024) });
    // DELETE bodies are not read at all (the body parser reads POST, PUT and PATCH), so there is nothing to refuse.
    const expected = r.method === 'DELETE' ? undefined : 413;
    const res = await send({ method: r.method, path: validPath(r), headers, body: huge }, routeKey(r));
    if (res && expected) assert.equal(res.status, expected, `${routeKey(r)} with a 1.2 MB body: ${res.body.slice(0, 200)}`);
    const formRes = await send({ method: r.method, path: validPath(r), headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: `a=${'b'.repeat(2 * 1024 * 1024)}` }, routeKey(r));
    if (formRes && expected) assert.equal(formRes.status, expected, `${routeKey(r)} with a 2 MB form: ${formRes.body.slice(0, 200)}`);
    const deep = await send({ method: r.method, path: validPath(r), headers, body: deepNesting(100_000, 'array') }, routeKey(r));
    if (deep && expected) assert.ok(deep.status >= 400 && deep.status < 500, `${routeKey(r)} with 100 000 nested arrays: ${deep.status}`);
  }
  assert.deepEqual(problems.slice(before), []);
});

test('every route was exercised, and the server is healthy afterwards with nothing unhandled', async (t) => {
  const missed = routes.map(routeKey).filter((k) => !exercised.has(k));
  assert.deepEqual(missed, [], 'routes the fuzz never reached');
  const total = [...exercised.values()].reduce((a, b) => a + b, 0);
  assert.ok(total >= runs(3000), `${total} requests`);
  t.diagnostic(`${total} requests over ${routes.length} routes (seed ${SEED}): ${[...statuses].sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
  // Part of every run must get through validation, or the fuzz only ever tests the first check.
  assert.ok((statuses.get('2xx') ?? 0) > total / 50, 'some hostile requests are still accepted as valid');
  const health = await fetch(`${server.url}/health`);
  assert.equal(health.status, 200);
  const me = await fetch(`${server.url}/api/auth/me`, { headers: sessions.admin });
  assert.equal(me.status, 200, 'the admin session survived the fuzz');
  assert.deepEqual(problems, []);
});
