// The tile service through the real app on a hand-made city: every layer decoded with
// @mapbox/vector-tile, cluster counts, privacy, freshness after commit, validators, gzip,
// TileJSON, the style, and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { validateStyleMin, type StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { testDb } from '../server/testing/db.js';
import { startTestServer, type TestServer } from '../server/testing/server.js';
import { ManualClock, HOUR, MINUTE } from '../server/clock.js';
import type { Db } from '../server/db/db.js';
import { makeTileCity, addTicket, PRIVATE, type TileCity, type LonLat } from '../server/testing/factories/tiles.js';
import { LAYERS, TICKET_POINTS_FROM_ZOOM } from './layers.js';
import { tileServiceFor } from './service.js';
import { tileOf, tileCoordinates, MAX_ZOOM, type TileAddress } from './tile.js';
import { get, decodeTile, eventually, type DecodedFeature } from './testing.js';

let db: Db;
let server: TestServer;
let city: TileCity;
const clock = new ManualClock('2026-11-23T09:00:00Z');
const start = clock.now();

before(async () => {
  db = await testDb();
  city = await makeTileCity(db, start);
  server = await startTestServer(db, { clock });
});
after(async () => {
  await server.close();
  await db.close();
});

const ALL = LAYERS.map((l) => l.id).join(',');
const path = (layers: string, t: TileAddress) => `/tiles/${layers}/${t.z}/${t.x}/${t.y}.mvt`;
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

async function layerAt(layer: string, at: LonLat, z: number): Promise<DecodedFeature[]> {
  const res = await get(server.url + path(layer, tileOf(at[0], at[1], z)));
  assert.ok(res.status === 200 || res.status === 204, `${layer} z${z}: ${res.status} ${res.body.toString()}`);
  return decodeTile(res.body)[layer] ?? [];
}

function byId(features: DecodedFeature[], id: number): DecodedFeature | undefined {
  return features.find((f) => f.properties.id === id);
}

/** Asserts a decoded position is where the WGS 84 point falls in that tile, within one unit. */
function assertAt(got: [number, number] | undefined, at: LonLat, z: number) {
  const [x, y] = tileCoordinates(at[0], at[1], tileOf(at[0], at[1], z));
  assert.ok(got, 'a position');
  assert.ok(Math.abs(got[0] - x) <= 1 && Math.abs(got[1] - y) <= 1, `expected about [${x.toFixed(1)}, ${y.toFixed(1)}], got [${got.join(', ')}]`);
}

/** Asserts the feature is one ring with the four corners of box [w, s, e, n], as drawn in tile t. */
function assertBox(f: DecodedFeature, [w, s, e, n]: [number, number, number, number], t: TileAddress) {
  assert.equal(f.type, 3, 'a polygon');
  assert.equal(f.geometry.length, 1, 'one ring');
  const ring = f.geometry[0]!;
  assert.equal(ring.length, 5, 'a closed four-cornered ring');
  for (const c of [[w, s], [e, s], [e, n], [w, n]] as LonLat[]) {
    const [x, y] = tileCoordinates(c[0], c[1], t);
    assert.ok(ring.some(([rx, ry]) => Math.abs(rx - x) <= 1 && Math.abs(ry - y) <= 1), `a corner near [${x.toFixed(1)}, ${y.toFixed(1)}] in ${JSON.stringify(ring)}`);
  }
}

function assertSquareAround(f: DecodedFeature, at: LonLat, z: number) {
  assertBox(f, [at[0] - 0.0001, at[1] - 0.0001, at[0] + 0.0001, at[1] + 0.0001], tileOf(at[0], at[1], z));
}

test('streets, buildings and service areas decode with their public properties where the city put them', async () => {
  const z = 15;
  const streets = await layerAt('streets', [36.3450, 50.0300], z);
  const buchmy = byId(streets, city.streets.buchmy)!;
  assert.deepEqual(buchmy.properties, { id: city.streets.buchmy, name: 'Бучми вулиця' });
  assert.equal(buchmy.type, 2);
  for (const [x] of buchmy.geometry[0]!) assert.ok(x >= -64 && x <= 4096 + 64, 'clipped to the buffered tile');
  const [, y] = tileCoordinates(36.3450, 50.0300, tileOf(36.3450, 50.0300, z));
  assert.ok(buchmy.geometry[0]!.every(([, py]) => Math.abs(py - y) <= 1), 'the street runs along its latitude');

  const buildings = await layerAt('buildings', city.building.at, z);
  assert.deepEqual(buildings.map((f) => f.properties), [{ id: city.building.id, levels: 5 }]);
  assertSquareAround(buildings[0]!, city.building.at, z);

  const areas = await layerAt('service_areas', [36.345, 50.03], 12);
  assert.deepEqual(byId(areas, city.serviceAreas.water)?.properties,
    { id: city.serviceAreas.water, category: 'tiles_water_leak', executor: 'tiles-vodokanal', name: 'Уся ділянка' });
  assert.deepEqual(byId(areas, city.serviceAreas.lighting)?.properties,
    { id: city.serviceAreas.lighting, category: 'tiles_street_light', executor: 'tiles-svitlo', name: 'Захід' });
  // Both areas lie inside this z12 tile, so they come whole, corner for corner.
  const z12 = tileOf(36.345, 50.03, 12);
  assertBox(byId(areas, city.serviceAreas.water)!, [36.33, 50.02, 36.37, 50.04], z12);
  assertBox(byId(areas, city.serviceAreas.lighting)!, [36.34, 50.025, 36.35, 50.035], z12);
  // Lower priority is drawn first, under the higher; then by id.
  assert.deepEqual(areas.map((f) => f.properties.id), [city.serviceAreas.water, city.serviceAreas.lighting]);
});

test('outages show active and announced zones with utility, kind, window and public text; ended and cancelled ones do not', async () => {
  const outages = await layerAt('outages', [36.350, 50.030], 13);
  assert.deepEqual(byId(outages, city.outages.activeWater)?.properties, {
    id: city.outages.activeWater, utility: 'water', kind: 'emergency', active: true,
    starts_at: iso(new Date(start.getTime() - 2 * HOUR)), ends_at: iso(new Date(start.getTime() + 4 * HOUR)),
    public_text: 'Аварія на водогоні: води немає до 15:00',
  });
  assert.deepEqual(byId(outages, city.outages.upcomingPower)?.properties, {
    id: city.outages.upcomingPower, utility: 'power', kind: 'planned', active: false,
    starts_at: iso(new Date(start.getTime() + 24 * HOUR)), ends_at: iso(new Date(start.getTime() + 32 * HOUR)),
    public_text: 'Планові роботи на лінії',
  });
  assert.equal(byId(outages, city.outages.resolved), undefined);
  assert.equal(byId(outages, city.outages.cancelled), undefined);
  // The upcoming zone is drawn first, the active one over it.
  assert.deepEqual(outages.map((f) => f.properties.id), [city.outages.upcomingPower, city.outages.activeWater]);
  const z13 = tileOf(36.350, 50.030, 13);
  assertBox(byId(outages, city.outages.activeWater)!, [36.3440, 50.0300, 36.3470, 50.0310], z13);
  assertBox(byId(outages, city.outages.upcomingPower)!, [36.3545, 50.0290, 36.3565, 50.0310], z13);
});

test('addresses are footprints (points where unknown) flagged when an active outage covers them', async () => {
  const z = 16;
  const { a1, a2, a3, a4 } = city.addresses;
  for (const [a, affected, house] of [[a1, true, '1'], [a2, true, '3'], [a3, false, '5'], [a4, false, '7']] as const) {
    const f = byId(await layerAt('addresses', a.at, z), a.id);
    assert.deepEqual(f?.properties, { id: a.id, label: `Бучми вулиця ${house}`, house_number: house, affected });
    if (a === a4) {
      assert.equal(f!.type, 1);
      assertAt(f!.geometry[0]![0], a.at, z);
    } else {
      assert.equal(f!.type, 3);
      assertSquareAround(f!, a.at, z);
    }
  }
});

test('objects show kind, utility and ownership status at their places, and nothing of their owners or evidence', async () => {
  const z = 16;
  const manhole = byId(await layerAt('objects', city.objects.manhole.at, z), city.objects.manhole.id)!;
  assert.deepEqual(manhole.properties, { id: city.objects.manhole.id, kind: 'manhole', utility: 'sewer', ownership_status: 'owned' });
  assertAt(manhole.geometry[0]![0], city.objects.manhole.at, z);
  const pole = byId(await layerAt('objects', city.objects.pole.at, z), city.objects.pole.id)!;
  assert.deepEqual(pole.properties, { id: city.objects.pole.id, kind: 'street_light_pole', utility: 'power', ownership_status: 'ownerless' });
  const line = byId(await layerAt('objects', [36.3550, 50.0300], 14), city.objects.powerLine)!;
  assert.deepEqual(line.properties, { id: city.objects.powerLine, kind: 'power_line', utility: 'power', ownership_status: 'disputed' });
  assert.equal(line.type, 2);
  assertAt(line.geometry[0]![0], [36.3520, 50.0280], 14);
});

test(`from z${TICKET_POINTS_FROM_ZOOM} each shown ticket is a point with id, category, status, created_at and overdue`, async () => {
  const t = city.tickets;
  const expected = [
    [t.open, { category: 'tiles_street_light', status: 'new', created: 1, overdue: false }],
    [t.overdue, { category: 'tiles_water_leak', status: 'in_progress', created: 30, overdue: true }],
    [t.done, { category: 'tiles_water_leak', status: 'done', created: 40, overdue: false }],
    [t.closedRecently, { category: 'tiles_water_leak', status: 'closed', created: 100, overdue: false }],
    [t.dueSoon, { category: 'tiles_water_leak', status: 'accepted', created: 1, overdue: false }],
    [t.elsewhere, { category: 'tiles_water_leak', status: 'needs_info', created: 1, overdue: false }],
  ] as const;
  for (const z of [TICKET_POINTS_FROM_ZOOM, 16, MAX_ZOOM]) {
    for (const [ticket, want] of expected) {
      const f = byId(await layerAt('tickets', ticket.at, z), ticket.id);
      assert.deepEqual(f?.properties, {
        id: ticket.id, category: want.category, status: want.status,
        created_at: iso(new Date(start.getTime() - want.created * HOUR)), overdue: want.overdue,
      }, `ticket ${ticket.id} at z${z}`);
      assert.equal(f!.type, 1);
      assertAt(f!.geometry[0]![0], ticket.at, z);
    }
    for (const hidden of city.hiddenTickets) assert.equal(byId(await layerAt('tickets', hidden.at, z), hidden.id), undefined);
  }
});

test(`below z${TICKET_POINTS_FROM_ZOOM} the cluster counts of a tile add up to the tickets in it`, async () => {
  const shown = Object.values(city.tickets);
  const overdue = new Set([city.tickets.overdue.id]);
  const statusOf = new Map<number, string>([[city.tickets.done.id, 'done'], [city.tickets.closedRecently.id, 'closed']]);
  for (let z = 0; z < TICKET_POINTS_FROM_ZOOM; z++) {
    for (const tile of new Map(shown.map((s) => { const t = tileOf(s.at[0], s.at[1], z); return [`${t.x}/${t.y}`, t]; })).values()) {
      const inTile = shown.filter((s) => { const t = tileOf(s.at[0], s.at[1], z); return t.x === tile.x && t.y === tile.y; });
      const res = await get(server.url + path('tickets', tile));
      const clusters = decodeTile(res.body).tickets ?? [];
      const sum = (k: string) => clusters.reduce((n, c) => n + Number(c.properties[k] ?? 0), 0);
      assert.equal(sum('count'), inTile.length, `z${z} ${tile.x}/${tile.y}`);
      assert.equal(sum('overdue_count'), inTile.filter((s) => overdue.has(s.id)).length);
      assert.equal(sum('done_count'), inTile.filter((s) => statusOf.get(s.id) === 'done').length);
      assert.equal(sum('closed_count'), inTile.filter((s) => statusOf.get(s.id) === 'closed').length);
      for (const c of clusters) {
        assert.deepEqual(Object.keys(c.properties).sort(), ['closed_count', 'count', 'done_count', 'open_count', 'overdue_count']);
        assert.equal(c.properties.count, Number(c.properties.open_count) + Number(c.properties.done_count) + Number(c.properties.closed_count));
        const [x, y] = c.geometry[0]![0]!;
        assert.ok(x >= 0 && x <= 4096 && y >= 0 && y <= 4096, 'a cluster lies in its own tile');
      }
    }
  }
});

test(`below z${TICKET_POINTS_FROM_ZOOM} each cluster is one 64-pixel cell: its counts and its place are those of the tickets in the cell`, async () => {
  // A crowd over several tiles at every low zoom, with every status, some overdue, some hidden.
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const statuses = ['new', 'accepted', 'in_progress', 'needs_info', 'reopened', 'done', 'closed', 'rejected'];
  const OPEN = new Set(['new', 'accepted', 'in_progress', 'needs_info', 'reopened']);
  const crowd: { id: number; at: LonLat; status: string; overdue: boolean }[] = [];
  for (let i = 0; i < 80; i++) {
    const at: LonLat = [36.28 + random() * 0.16, 49.98 + random() * 0.1];
    const status = statuses[i % statuses.length]!;
    const dueInHours = random() * 96 - 48;
    const t = await addTicket(db, clock.now(), { at, status, dueInHours, createdHoursAgo: 50, ...(status === 'closed' ? { closedDaysAgo: 1 } : {}) });
    crowd.push({ id: t.id, at, status, overdue: OPEN.has(status) && dueInHours < 0 });
  }
  const everyone = [...crowd.filter((c) => c.status !== 'rejected'), ...Object.values(city.tickets).map((t) => ({ id: t.id, at: t.at, status: '', overdue: false }))];
  try {
    for (let z = 0; z < TICKET_POINTS_FROM_ZOOM; z++) {
      const tiles = new Map(everyone.map((s) => { const t = tileOf(s.at[0], s.at[1], z); return [`${t.x}/${t.y}`, t]; }));
      let total = 0;
      for (const tile of tiles.values()) {
        // The tickets of the tile by cell, as the layer's SQL groups them: 8 × 8 cells of 512 units.
        const cells = new Map<string, { n: number; x: number; y: number; ids: number[] }>();
        for (const s of everyone) {
          const [x, y] = tileCoordinates(s.at[0], s.at[1], tile);
          if (x < 0 || x >= 4096 || y < 0 || y >= 4096) continue;
          const key = `${Math.floor(x / 512)}/${Math.floor(y / 512)}`;
          const cell = cells.get(key) ?? { n: 0, x: 0, y: 0, ids: [] };
          cell.n++; cell.x += x; cell.y += y; cell.ids.push(s.id);
          cells.set(key, cell);
        }
        // The invalidation of the crowd's inserts arrives through NOTIFY: wait for the full count.
        const expected = [...cells.values()].reduce((n, c) => n + c.n, 0);
        const { value: clusters } = await eventually(async () => {
          const got = decodeTile((await get(server.url + path('tickets', tile))).body).tickets ?? [];
          return got.reduce((n, c) => n + Number(c.properties.count), 0) === expected ? got : undefined;
        }, 3_000, `z${z} ${tile.x}/${tile.y} counting ${expected}`);
        assert.equal(clusters.length, cells.size, `z${z} ${tile.x}/${tile.y}: one cluster per occupied cell`);
        for (const c of clusters) {
          const [x, y] = c.geometry[0]![0]!;
          const cell = cells.get(`${Math.floor(x / 512)}/${Math.floor(y / 512)}`);
          assert.ok(cell, `z${z}: a cluster at [${x}, ${y}] in a cell with no ticket`);
          assert.equal(c.properties.count, cell.n, `z${z}: the cluster counts its cell`);
          assert.ok(Math.abs(x - cell.x / cell.n) <= 1 && Math.abs(y - cell.y / cell.n) <= 1, `z${z}: the cluster sits at the mean of its tickets`);
          const of = (pred: (s: (typeof crowd)[number]) => boolean) => crowd.filter((s) => cell.ids.includes(s.id) && pred(s)).length;
          if (cell.ids.every((id) => crowd.some((s) => s.id === id))) {
            assert.equal(c.properties.open_count, of((s) => OPEN.has(s.status)));
            assert.equal(c.properties.done_count, of((s) => s.status === 'done'));
            assert.equal(c.properties.closed_count, of((s) => s.status === 'closed'));
            assert.equal(c.properties.overdue_count, of((s) => s.overdue));
          }
        }
        total += expected;
      }
      assert.equal(total, everyone.length, `z${z}: every shown ticket is counted in exactly one tile`);
    }
  } finally {
    await db.sql('DELETE FROM tickets WHERE id IN (SELECT jsonb_array_elements_text($ids::jsonb)::bigint)', { ids: JSON.stringify(crowd.map((c) => c.id)) });
  }
  // Later tests count from a city without the crowd: wait until the tiles have dropped it.
  for (let z = 0; z < TICKET_POINTS_FROM_ZOOM; z++) {
    for (const t of new Map(crowd.map((s) => { const u = tileOf(s.at[0], s.at[1], z); return [`${u.x}/${u.y}`, u]; })).values()) {
      const want = Object.values(city.tickets).filter((s) => { const u = tileOf(s.at[0], s.at[1], z); return u.x === t.x && u.y === t.y; }).length;
      await eventually(async () => ((decodeTile((await get(server.url + path('tickets', t))).body).tickets ?? []).reduce((n, c) => n + Number(c.properties.count), 0) === want ? true : undefined), 3_000, `z${z} without the crowd`);
    }
  }
});

test('no private field, value or token reaches any layer at any zoom', async () => {
  const secrets = [...Object.values(PRIVATE), 'PRIVATE', ...Object.values(city.tickets).map((t) => t.token), ...city.hiddenTickets.map((t) => t.token)];
  const allowed = new Map(LAYERS.map((l) => [l.id, new Set(Object.keys(l.fields))]));
  let features = 0;
  for (let z = 0; z <= MAX_ZOOM; z++) {
    const tiles = new Map<string, TileAddress>();
    for (const at of [...Object.values(city.tickets).map((t) => t.at), ...city.hiddenTickets.map((t) => t.at), city.objects.manhole.at, city.addresses.a1.at]) {
      const t = tileOf(at[0], at[1], z);
      tiles.set(`${t.x}/${t.y}`, t);
    }
    for (const t of tiles.values()) {
      const res = await get(server.url + path(ALL, t), { 'accept-encoding': 'gzip' });
      const text = res.body.toString('utf8');
      for (const s of secrets) assert.ok(!text.includes(s), `z${z}: the tile carries "${s}"`);
      for (const [name, layer] of Object.entries(decodeTile(res.body))) {
        for (const f of layer) {
          features++;
          for (const key of Object.keys(f.properties)) assert.ok(allowed.get(name)?.has(key), `${name} carries "${key}"`);
        }
      }
    }
  }
  assert.ok(features > 100, `${features} features looked at`);
});

test('a new ticket is in its tile at every zoom soon after commit, and gone after it is deleted', async () => {
  const at: LonLat = [36.3391, 50.0353];
  const countAt = async (z: number, id?: number) => {
    const features = await layerAt('tickets', at, z);
    if (z >= TICKET_POINTS_FROM_ZOOM) return id !== undefined && byId(features, id) ? 1 : 0;
    return features.reduce((n, f) => n + Number(f.properties.count ?? 0), 0);
  };
  // Every zoom is cached before the change, so only invalidation can show the ticket.
  const before: number[] = [];
  for (let z = 0; z <= MAX_ZOOM; z++) before.push(await countAt(z));
  const committed = Date.now();
  const ticket = await addTicket(db, clock.now(), { at, status: 'new' });
  let slowest = 0;
  for (let z = 0; z <= MAX_ZOOM; z++) {
    const want = z >= TICKET_POINTS_FROM_ZOOM ? 1 : before[z]! + 1;
    await eventually(async () => ((await countAt(z, ticket.id)) === want ? true : undefined), 3_000, `the new ticket at z${z}`);
    slowest = Math.max(slowest, Date.now() - committed);
  }
  assert.ok(slowest < 3_000, `${slowest} ms`);
  await db.sql('DELETE FROM tickets WHERE id = $id', { id: ticket.id });
  for (let z = 0; z <= MAX_ZOOM; z++) {
    const want = z >= TICKET_POINTS_FROM_ZOOM ? 0 : before[z]!;
    await eventually(async () => ((await countAt(z, ticket.id)) === want ? true : undefined), 3_000, `the deleted ticket gone at z${z}`);
  }
});

test('a moved ticket leaves the tiles of its old place and enters those of its new one', async () => {
  const from: LonLat = [36.3312, 50.0212];
  const to: LonLat = [36.3688, 50.0388];
  const ticket = await addTicket(db, clock.now(), { at: from });
  const here = async (at: LonLat, z: number) => Boolean(byId(await layerAt('tickets', at, z), ticket.id));
  for (const z of [14, 16, 18]) {
    await eventually(async () => ((await here(from, z)) ? true : undefined), 3_000, `the ticket at z${z}`);
    // The tiles of the new place are cached too, without it.
    assert.equal(await here(to, z), false);
  }
  await db.sql('UPDATE tickets SET location = ST_SetSRID(ST_MakePoint($lon, $lat), 4326) WHERE id = $id', { id: ticket.id, lon: to[0], lat: to[1] });
  for (const z of [14, 16, 18]) {
    await eventually(async () => (!(await here(from, z)) && (await here(to, z)) ? true : undefined), 3_000, `the ticket moved at z${z}`);
  }
  await db.sql('DELETE FROM tickets WHERE id = $id', { id: ticket.id });
});

test('a tile of several layers holds them all, whatever order the URL names them in', async () => {
  const t = tileOf(36.3452, 50.0301, 15);
  const a = await get(server.url + path('tickets,outages', t));
  const b = await get(server.url + path('outages,tickets', t));
  assert.equal(a.status, 200);
  assert.deepEqual(Object.keys(decodeTile(a.body)).sort(), ['outages', 'tickets']);
  assert.equal(a.headers.etag, b.headers.etag);
  assert.ok(a.body.equals(b.body));
  const single = await get(server.url + path('tickets', t));
  assert.deepEqual(decodeTile(single.body).tickets, decodeTile(a.body).tickets);
  const dup = await get(server.url + path('tickets,tickets', t));
  assert.ok(dup.body.equals(single.body));
});

test('a matching If-None-Match gets 304 without a body, in either coding', async () => {
  const url = server.url + path('tickets', tileOf(36.3452, 50.0301, 14));
  const plain = await get(url);
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-type'], 'application/vnd.mapbox-vector-tile');
  const etag = plain.headers.etag!;
  assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
  const again = await get(url, { 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.raw.length, 0);
  assert.equal(again.headers.etag, etag);
  // A cache that revalidated keeps the tile for another lifetime: the 304 says how long.
  assert.equal(again.headers['cache-control'], plain.headers['cache-control']);
  const zipped = await get(url, { 'accept-encoding': 'gzip' });
  assert.notEqual(zipped.headers.etag, etag, 'the gzipped bytes have their own validator');
  assert.equal((await get(url, { 'accept-encoding': 'gzip', 'if-none-match': zipped.headers.etag! })).status, 304);
  assert.equal((await get(url, { 'accept-encoding': 'gzip', 'if-none-match': etag })).status, 304);
  assert.equal((await get(url, { 'if-none-match': '"something-else"' })).status, 200);
});

test('tiles are gzipped when the client accepts it, and say how long they may be kept', async () => {
  const url = server.url + path(ALL, tileOf(36.3452, 50.0301, 14));
  const plain = await get(url);
  const zipped = await get(url, { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.ok(gunzipSync(zipped.raw).equals(plain.raw));
  assert.ok(zipped.raw.length < plain.raw.length);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.headers.vary, 'Accept-Encoding');
  // The tile holds a ticket due in 30 minutes: later than the 1 s a shared cache may keep it.
  assert.equal(plain.headers['cache-control'], 'public, max-age=0, s-maxage=1');
  const refused = await get(url, { 'accept-encoding': 'gzip;q=0' });
  assert.equal(refused.headers['content-encoding'], undefined);
  assert.ok(refused.raw.equals(plain.raw));
});

test('an empty tile is 204 with no body in either coding, and so is a layer below its minzoom', async () => {
  for (const headers of [{}, { 'accept-encoding': 'gzip' }] as Record<string, string>[]) {
    const sea = await get(server.url + path('tickets', tileOf(-30, 0, 14)), headers);
    assert.equal(sea.status, 204);
    assert.equal(sea.raw.length, 0);
    assert.ok(sea.headers['cache-control']);
  }
  const service = tileServiceFor(server.deps);
  const renders = service.stats().renders;
  const low = await get(server.url + path('addresses', tileOf(36.3452, 50.0301, 10)));
  assert.equal(low.status, 204);
  assert.equal(service.stats().renders, renders, 'no database work below minzoom');
});

test('bad tile addresses are 400 and unknown layers 404, before any database work', async () => {
  const service = tileServiceFor(server.deps);
  const renders = service.stats().renders;
  const cases: [string, number][] = [
    ['/tiles/tickets/-1/0/0.mvt', 400],
    ['/tiles/tickets/1.5/0/0.mvt', 400],
    ['/tiles/tickets/23/0/0.mvt', 400],
    ['/tiles/tickets/99999999999/0/0.mvt', 400],
    ['/tiles/tickets/3/8/0.mvt', 400],
    ['/tiles/tickets/3/0/8.mvt', 400],
    ['/tiles/tickets/3/0/-1.mvt', 400],
    ['/tiles/tickets/3/0/1.png', 400],
    ['/tiles/tickets/3/0/1', 400],
    ['/tiles/tickets/3/1e1/1.mvt', 400],
    ['/tiles/nope/1/0/0.mvt', 404],
    ['/tiles/ticket_contacts/1/0/0.mvt', 404],
    ['/tiles/tickets,ticket_contacts/1/0/0.mvt', 404],
    [`/tiles/${encodeURIComponent("tickets'; DROP TABLE tickets; --")}/1/0/0.mvt`, 404],
    [`/tiles/${encodeURIComponent('tickets UNION SELECT phone FROM ticket_contacts')}/1/0/0.mvt`, 404],
    ['/tiles/tickets,/1/0/0.mvt', 404],
    [`/tiles/${'tickets,'.repeat(100)}tickets/1/0/0.mvt`, 404],
    ['/tiles/nope.json', 404],
    ['/tiles/tickets', 404],
  ];
  for (const [url, status] of cases) {
    const res = await get(server.url + url);
    assert.equal(res.status, status, `${url}: ${res.body.toString()}`);
    assert.equal(res.headers['content-type'], 'application/problem+json');
  }
  const fields = JSON.parse((await get(server.url + '/tiles/tickets/23/x/-1.mvt')).body.toString()) as { errors: { field: string }[] };
  assert.deepEqual(fields.errors.map((e) => e.field), ['z', 'x', 'y']);
  assert.equal(service.stats().renders, renders, 'no tile was rendered');
  assert.equal((await db.sql('SELECT 1 FROM tickets LIMIT 1')).length, 1);
});

test('absurd Accept-Encoding headers get a clear answer, never a server error', async () => {
  const url = server.url + path('tickets', tileOf(36.3452, 50.0301, 14));
  assert.equal((await get(url, { 'accept-encoding': 'gzip;q=banana, ;;;, \u00ff' })).status, 200);
  assert.equal((await get(url, { 'accept-encoding': '*;q=0' })).status, 406);
  assert.equal((await get(url, { 'accept-encoding': 'identity;q=0, gzip;q=0' })).status, 406);
  const long = await get(url, { 'accept-encoding': 'x,'.repeat(2_000) });
  assert.equal(long.status, 400);
  assert.equal(long.headers['content-type'], 'application/problem+json');
});

test('clients that hang up mid-tile leave no database connection behind', async () => {
  const service = tileServiceFor(server.deps);
  const tiles = Array.from({ length: 20 }, (_, i) => tileOf(36.30 + i * 0.01, 50.0, 16));
  for (const t of tiles) {
    const misses = service.cache.stats().misses;
    const req = http.get(server.url + path(ALL, t), { agent: false });
    req.on('error', () => {});
    // Hang up once the server is computing the tile.
    await eventually(async () => (service.cache.stats().misses > misses ? true : undefined), 5_000, 'the render to start');
    req.destroy();
  }
  for (const t of tiles) {
    const res = await get(server.url + path(ALL, t));
    assert.ok(res.status === 200 || res.status === 204);
  }
  // More simultaneous uncached tiles than the pool has connections: a leaked one would stall them.
  const many = await Promise.all(Array.from({ length: 24 }, (_, i) => get(server.url + path(ALL, tileOf(36.30 + i * 0.01, 50.1, 16)))));
  assert.ok(many.every((r) => r.status === 200 || r.status === 204));
  // Every connection the pool opened is back in it (the embedded database has no pool).
  const pool = db.poolStats?.();
  if (pool) assert.deepEqual({ idle: pool.idle, waiting: pool.waiting }, { idle: pool.total, waiting: 0 });
  if (db.backend === 'postgres') {
    const stuck = await db.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state IN ('active', 'idle in transaction') AND pid <> pg_backend_pid()");
    assert.equal(stuck[0]!.n, 0);
  }
  assert.equal((await get(server.url + '/health')).status, 200);
});

test('TileJSON 3.0.0 describes each layer and a set of layers, fields included', async () => {
  const res = await get(server.url + '/tiles/tickets.json');
  assert.equal(res.status, 200);
  const tj = JSON.parse(res.body.toString()) as Record<string, unknown> & { tiles: string[]; vector_layers: { id: string; fields: Record<string, string>; minzoom: number; maxzoom: number }[] };
  assert.equal(tj.tilejson, '3.0.0');
  assert.deepEqual(tj.tiles, [`${server.url}/tiles/tickets/{z}/{x}/{y}.mvt`]);
  assert.equal(tj.minzoom, 0);
  assert.equal(tj.maxzoom, 16);
  assert.equal((tj.bounds as number[]).length, 4);
  assert.equal((tj.center as number[]).length, 3);
  const tickets = LAYERS.find((l) => l.id === 'tickets')!;
  assert.deepEqual(tj.vector_layers, [{ id: 'tickets', description: tickets.description, minzoom: 0, maxzoom: 16, fields: tickets.fields }]);
  const both = JSON.parse((await get(server.url + '/tiles/tickets,streets.json')).body.toString()) as typeof tj;
  assert.deepEqual(both.vector_layers.map((l) => l.id), ['streets', 'tickets']);
  assert.match(String(both.attribution), /OpenStreetMap contributors, ODbL/);
  assert.deepEqual(both.tiles, [`${server.url}/tiles/streets,tickets/{z}/{x}/{y}.mvt`]);
});

test('the style validates with the MapLibre style spec and every source and layer in it is served', async () => {
  const res = await get(server.url + '/style.json');
  assert.equal(res.status, 200);
  const style = JSON.parse(res.body.toString()) as StyleSpecification;
  assert.deepEqual(validateStyleMin(style), []);
  assert.ok(!style.layers.some((l) => l.type === 'symbol'), 'no text: there is no glyph server');
  assert.ok(Array.isArray(style.center));
  const attributions = Object.values(style.sources).map((s) => (s as { attribution?: string }).attribution ?? '').join(' ');
  assert.match(attributions, /© OpenStreetMap contributors, ODbL/);
  const t = tileOf(36.3452, 50.0301, 14);
  for (const l of style.layers) {
    if (l.type === 'background') continue;
    const source = style.sources[(l as { source: string }).source] as { tiles: string[] };
    const url = source.tiles[0]!.replace('{z}', String(t.z)).replace('{x}', String(t.x)).replace('{y}', String(t.y));
    const tile = await get(url);
    assert.equal(tile.status, 200, url);
    assert.ok((l as { 'source-layer': string })['source-layer'] in decodeTile(tile.body), `${l.id} draws a layer its source serves`);
  }
});

test('the open statuses of the tickets layer, its clusters and their indexes are the open statuses of ticket_statuses', async () => {
  const rows = await db.sql<{ code: string }>('SELECT code FROM ticket_statuses WHERE is_open ORDER BY code');
  const open = rows.map((r) => r.code).sort();
  const lists = (text: string) => [...text.matchAll(/status IN \(([^)]*)\)/g)].map((m) => [...m[1]!.matchAll(/'([a-z_]+)'/g)].map((s) => s[1]!).sort());
  const layerLists = lists(readFileSync(new URL('../sql/tiles/tickets.sql', import.meta.url), 'utf8'));
  const indexLists = lists(readFileSync(new URL('../sql/migrations/0010_tiles.sql', import.meta.url), 'utf8'));
  assert.deepEqual(layerLists.find((l) => l.length === open.length), open);
  assert.deepEqual(indexLists[0], open);
  // Open but not "done": the statuses that can be overdue, in the points, in the clusters and
  // their counters (one list for the kind of a ticket, one for the index of deadlines).
  const overdueable = JSON.stringify(open.filter((s) => s !== 'done'));
  assert.ok(layerLists.some((l) => JSON.stringify(l) === overdueable));
  const clusterLists = lists(readFileSync(new URL('../sql/tiles/ticket_clusters.sql', import.meta.url), 'utf8'));
  const counterLists = lists(readFileSync(new URL('../sql/migrations/0011_ticket_map_cells.sql', import.meta.url), 'utf8'));
  assert.ok(clusterLists.length > 0 && clusterLists.every((l) => JSON.stringify(l) === overdueable));
  assert.ok(counterLists.length === 2 && counterLists.every((l) => JSON.stringify(l) === overdueable));
});

test('an outage cancelled redraws its zone and its addresses without waiting', async () => {
  const { a1 } = city.addresses;
  assert.equal(byId(await layerAt('addresses', a1.at, 16), a1.id)?.properties.affected, true);
  assert.ok(byId(await layerAt('outages', a1.at, 16), city.outages.activeWater));
  await db.transaction(async (tx) => {
    await tx.sql("UPDATE outages SET status = 'cancelled' WHERE id = $id", { id: city.outages.activeWater });
    await tx.sql("UPDATE telephonograms SET withdrawn_at = now(), withdrawn_reason = 'cancelled' WHERE outage_id = $id", { id: city.outages.activeWater });
  });
  await eventually(async () => (byId(await layerAt('addresses', a1.at, 16), a1.id)?.properties.affected === false ? true : undefined), 3_000, 'the address no longer affected');
  await eventually(async () => (byId(await layerAt('outages', a1.at, 16), city.outages.activeWater) ? undefined : true), 3_000, 'the zone gone');
});

test('the clock alone turns a ticket overdue and an announced outage active, in cached tiles too', async () => {
  const { dueSoon } = city.tickets;
  const { a3 } = city.addresses;
  assert.equal(byId(await layerAt('tickets', dueSoon.at, 16), dueSoon.id)?.properties.overdue, false);
  assert.equal(byId(await layerAt('addresses', a3.at, 16), a3.id)?.properties.affected, false);
  clock.advance(31 * MINUTE);
  assert.equal(byId(await layerAt('tickets', dueSoon.at, 16), dueSoon.id)?.properties.overdue, true);
  const cluster = (await layerAt('tickets', dueSoon.at, 12)).reduce((n, f) => n + Number(f.properties.overdue_count ?? 0), 0);
  assert.ok(cluster >= 2, 'the clusters count it overdue too');
  clock.advance(24 * HOUR);
  assert.equal(byId(await layerAt('addresses', a3.at, 16), a3.id)?.properties.affected, true);
  assert.equal(byId(await layerAt('outages', a3.at, 16), city.outages.upcomingPower)?.properties.active, true);
});
