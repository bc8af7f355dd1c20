// The operator's address card and the public "is my address affected?": everything an operator reads out, nothing private for the public.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createOrganisation } from '../testing/factories/auth.js';
import {
  createSmallCity, createTestOutage, createUtilityCategory, METRE_LAT, placeObject, placeTicket, polygonZone, type SmallCity,
} from '../testing/factories/outages.js';
import { ManualClock, HOUR } from '../clock.js';
import type { Db } from '../db/db.js';
import { cancelOutage } from '../outages/outages.js';

let db: Db;
let city: SmallCity;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');
let operator: Record<string, string>;
let home: number;
const ids: Record<string, number> = {};
const PRIVATE_PHONE = '+380 67 123 45 67';
const PRIVATE_NAME = 'Приватна Особа';

// Бучми 14 is at (36.3030, 50.0002).
const HOME = { lon: 36.303, lat: 50.0002 };

before(async () => {
  db = await testDb();
  city = await createSmallCity(db);
  server = await startTestServer(db, { clock });
  operator = (await loginAs(db, server.url, 'operator')).headers;
  home = city.addresses['buchmy 14']!;
  const water = await createUtilityCategory(db, 'no_water', 'water');
  const light = await createUtilityCategory(db, 'street_light', null);
  const now = clock.now();

  ids.active = (await createTestOutage(db, city, { zone: polygonZone(), publicText: 'Аварія: води немає', startsAt: new Date(now.getTime() - HOUR) })).outage.id;
  ids.upcoming = (await createTestOutage(db, city, {
    zone: { source: 'street_range', streetId: city.streets.buchmy, houseFrom: 10, houseTo: 20, parity: 'even' }, utility: 'heating', kind: 'planned',
    publicText: 'Планові роботи на тепломережі', startsAt: new Date(now.getTime() + 2 * HOUR), endsAt: new Date(now.getTime() + 8 * HOUR),
  })).outage.id;
  const cancelled = (await createTestOutage(db, city, { zone: polygonZone(), utility: 'gas', publicText: 'Скасована робота' })).outage.id;
  await cancelOutage(db, cancelled, { version: null, note: null }, city.operator, now);
  await fetch(`${server.url}/api/telephonograms`, {
    method: 'POST', headers: { ...operator, 'content-type': 'application/json' },
    body: JSON.stringify({ address_ids: [home], text: 'Ліфт не працює до 25.11' }),
  });

  const t = (opts: Parameters<typeof placeTicket>[1]) => placeTicket(db, opts);
  ids.openHere = await t({ categoryCode: water, executorId: city.executor.id, ...HOME, addressId: home, createdAt: new Date(now.getTime() - HOUR) });
  await db.sql('INSERT INTO ticket_contacts (ticket_id, first_name, phone) VALUES ($id, $name, $phone)', { id: ids.openHere, name: PRIVATE_NAME, phone: PRIVATE_PHONE });
  ids.openNear = await t({ categoryCode: light, executorId: city.executor.id, lon: HOME.lon, lat: HOME.lat + 100 * METRE_LAT });
  ids.openFar = await t({ categoryCode: light, executorId: city.executor.id, lon: HOME.lon, lat: HOME.lat + 300 * METRE_LAT });
  ids.closedHere = await t({ categoryCode: water, executorId: city.executor.id, ...HOME, addressId: home, status: 'closed', closedAt: new Date('2026-11-20T10:00:00Z') });
  ids.closedEarlier = await t({ categoryCode: light, executorId: city.executor.id, ...HOME, addressId: home, status: 'rejected', closedAt: new Date('2026-11-10T10:00:00Z') });
  ids.closedNear = await t({ categoryCode: light, executorId: city.executor.id, lon: HOME.lon, lat: HOME.lat + 50 * METRE_LAT, status: 'closed', closedAt: new Date('2026-11-21T10:00:00Z') });

  const holder = await createOrganisation(db, { name: 'КП "Житлосервіс"' });
  ids.manhole = await placeObject(db, { kind: 'manhole', wkt: `POINT(${HOME.lon} ${HOME.lat + 20 * METRE_LAT})`, label: 'Люк К-14', ownerId: city.executor.id, balanceHolderId: holder.id });
  ids.main = await placeObject(db, { kind: 'water_line', wkt: `LINESTRING(36.302 ${HOME.lat + 60 * METRE_LAT}, 36.304 ${HOME.lat + 60 * METRE_LAT})`, ownerId: city.executor.id });
  ids.farPole = await placeObject(db, { kind: 'street_light_pole', wkt: `POINT(${HOME.lon} ${HOME.lat + 400 * METRE_LAT})` });
});
after(async () => { await server.close(); await db.close(); });

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as any };
}

test('the address card holds the address, its live outages newest first with the text to read out, and its manual notices', async () => {
  const { status, body } = await get(`/api/addresses/${home}/card`, operator);
  assert.equal(status, 200);
  assert.equal(body.address.id, home);
  assert.equal(body.address.label, 'Бучми вулиця 14');
  assert.equal(body.address.street.name, 'Бучми вулиця');
  assert.equal(body.radius_m, 150);
  assert.deepEqual(body.outages.map((o: any) => o.id), [ids.upcoming, ids.active]);
  assert.equal(body.outages[0].status, 'scheduled');
  assert.equal(body.outages[0].telephonogram.text, 'Планові роботи на тепломережі');
  assert.equal(body.outages[1].telephonogram.text, 'Аварія: води немає');
  assert.equal(body.outages[1].executor.name, 'Харківводоканал');
  assert.deepEqual(body.manual_telephonograms.map((t: any) => t.text), ['Ліфт не працює до 25.11']);
});

test('the address card lists open tickets at the address and within the radius, and the last closed there', async () => {
  const { body } = await get(`/api/addresses/${home}/card`, operator);
  assert.deepEqual(body.open_tickets.map((t: any) => t.id), [ids.openHere, ids.openNear]);
  assert.equal(body.open_tickets[0].at_address, true);
  assert.ok(Math.abs(body.open_tickets[1].distance_m - 100) < 1);
  assert.equal(body.open_ticket_count, 2);
  assert.deepEqual(body.closed_tickets.map((t: any) => t.id), [ids.closedHere, ids.closedEarlier]);
  const wider = await get(`/api/addresses/${home}/card?radius_m=350`, operator);
  assert.deepEqual(wider.body.open_tickets.map((t: any) => t.id), [ids.openHere, ids.openNear, ids.openFar]);
});

test('the address card lists infrastructure objects nearby with their owners and balance holders', async () => {
  const { body } = await get(`/api/addresses/${home}/card`, operator);
  assert.deepEqual(body.objects.map((o: any) => o.id), [ids.manhole, ids.main]);
  assert.equal(body.objects[0].owner.name, 'Харківводоканал');
  assert.equal(body.objects[0].balance_holder.name, 'КП "Житлосервіс"');
  assert.equal(body.objects[0].ownership_status, 'owned');
  assert.ok(Math.abs(body.objects[0].distance_m - 20) < 1);
});

test('the address card carries no reporter details and is for staff only', async () => {
  const { text } = await get(`/api/addresses/${home}/card`, operator);
  assert.ok(!text.includes(PRIVATE_PHONE) && !text.includes(PRIVATE_NAME));
  assert.equal((await get(`/api/addresses/${home}/card`)).status, 401);
  const inspector = (await loginAs(db, server.url, 'inspector')).headers;
  assert.equal((await get(`/api/addresses/${home}/card`, inspector)).status, 200);
  assert.equal((await get('/api/addresses/999999/card', operator)).status, 404);
  assert.equal((await get(`/api/addresses/${home}/card?radius_m=0`, operator)).status, 400);
  assert.equal((await get('/api/addresses/abc/card', operator)).status, 400);
});

test('"is my address affected?" answers a citizen with the outages and notices at the address, publicly and without private data', async () => {
  const { status, body, text } = await get(`/api/addresses/${home}/affected`);
  assert.equal(status, 200);
  assert.deepEqual(body.outages.map((o: any) => [o.id, o.telephonogram_text]),
    [[ids.upcoming, 'Планові роботи на тепломережі'], [ids.active, 'Аварія: води немає']]);
  assert.equal(body.outages[1].executor.phone, '+380 57 700 00 00');
  assert.deepEqual(body.notices.map((n: any) => n.text), ['Ліфт не працює до 25.11']);
  assert.ok(!text.includes(PRIVATE_PHONE) && !/created_by|attached_by|ticket/.test(text));
  const quiet = await get(`/api/addresses/${city.addresses['marianska 5']}/affected`);
  assert.deepEqual(quiet.body.outages, []);
});

test('"is my address affected?" by a point finds the zones over it and the notices of the house it stands at', async () => {
  // A pin 5 m south of Бучми 14: inside the square, and at a house of the heating street range.
  const { body } = await get(`/api/affected?lon=${HOME.lon}&lat=${HOME.lat - 5 * METRE_LAT}`);
  assert.equal(body.address.id, home);
  assert.deepEqual(body.outages.map((o: any) => o.id).sort(), [ids.active, ids.upcoming].sort());
  // In the square, away from any house: the drawn zone alone.
  const open = await get('/api/affected?lon=36.3035&lat=49.9999');
  assert.equal(open.body.address, null);
  assert.deepEqual(open.body.outages.map((o: any) => o.id), [ids.active]);
  const nowhere = await get('/api/affected?lon=36.35&lat=50.05');
  assert.deepEqual(nowhere.body.outages, []);
  assert.equal((await get('/api/affected?lon=36.35')).status, 400);
});
