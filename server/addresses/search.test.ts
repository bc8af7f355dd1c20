// Address search as people type it (street types in two languages, word order, apostrophes, case, house letters, typos) and reverse lookup from a point.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { createAddress, createSmallCity, createStreet, type SmallCity } from '../testing/factories/outages.js';
import type { Db } from '../db/db.js';

let db: Db;
let city: SmallCity;
let server: TestServer;
/** Провулок Гагаріна 20: the same name and number as проспект Гагаріна 20, another street type, far away. */
let laneTwenty: number;

before(async () => {
  db = await testDb();
  city = await createSmallCity(db);
  const lane = await createStreet(db, 'Гагаріна провулок');
  laneTwenty = await createAddress(db, { streetId: lane, streetName: 'Гагаріна провулок', house: '20', lon: 36.33, lat: 50.02 });
  server = await startTestServer(db);
});
after(async () => { await server.close(); await db.close(); });

interface Hit { id: number; label: string; street: string; house_number: string; lon: number; lat: number; score?: number; distance_m?: number }

async function search(q: string, limit?: number): Promise<Hit[]> {
  const res = await fetch(`${server.url}/api/addresses?q=${encodeURIComponent(q)}${limit ? `&limit=${limit}` : ''}`);
  assert.equal(res.status, 200, q);
  return ((await res.json()) as { addresses: Hit[] }).addresses;
}

const writings: Array<[string, string]> = [
  ['вул. Бучми, 18-Д', 'buchmy 18-Д'],
  ['вулиця Бучми, 18-Д', 'buchmy 18-Д'],
  ['Бучми 18д', 'buchmy 18-Д'],
  ['бучми 18 д', 'buchmy 18-Д'],
  ['Бучми вулиця, 18д', 'buchmy 18-Д'],
  ['БУЧМИ 18Д', 'buchmy 18-Д'],
  ['18-д Бучми', 'buchmy 18-Д'],
  ['ул. Бучмы 18Д', 'buchmy 18-Д'],
  ['ул. Бучмы, д. 18Д', 'buchmy 18-Д'],
  ['м. Харків, вул. Бучми, буд. 18-Д, кв. 45', 'buchmy 18-Д'],
  ['Бцчми 18д', 'buchmy 18-Д'],
  ['Бучми 18', 'buchmy 18'],
  ['пр-т Гагаріна 20', 'gagarina 20'],
  ['проспект Гагаріна, 20', 'gagarina 20'],
  ['просп. Гагаріна 20', 'gagarina 20'],
  ['Гагарина пр. 20', 'gagarina 20'],
  ['Гагаріна 20а', 'gagarina 20А'],
  ['Гагаріна 20a', 'gagarina 20А'],
  ["Мар'янська 5", 'marianska 5'],
  ['Марʼянська 5', 'marianska 5'],
  ['Мар’янська 5', 'marianska 5'],
  ['Марьянская 5', 'marianska 5'],
  ['ул. Сумская, 1', 'sumska 1'],
  ['Героїв Праці 7', 'heroiv 7'],
];

test(`each of ${writings.length} real-world ways of writing an address finds that address first`, async () => {
  const misses: string[] = [];
  for (const [q, expected] of writings) {
    const hits = await search(q);
    const first = hits[0] ? city.keyOf(hits[0].id) : '(nothing)';
    if (first !== expected) misses.push(`"${q}" → ${first}, expected ${expected}`);
  }
  assert.deepEqual(misses, []);
});

test('a named street type picks the street of that type among streets of the same name, and without a type both are offered', async () => {
  for (const q of ['пров. Гагаріна, 20', 'провулок Гагаріна 20', 'пер. Гагарина 20', 'Гагаріна пров 20']) {
    assert.equal((await search(q))[0]?.id, laneTwenty, q);
  }
  for (const q of ['просп. Гагаріна, 20', 'пр-т Гагаріна 20', 'Гагарина пр. 20', 'проспект Гагаріна 20']) {
    assert.equal((await search(q))[0]?.id, city.addresses['gagarina 20'], q);
  }
  const untyped = await search('Гагаріна 20');
  assert.deepEqual(untyped.slice(0, 2).map((h) => h.id).sort((a, b) => a - b), [city.addresses['gagarina 20']!, laneTwenty].sort((a, b) => a - b));
  // A wrong type does not hide the house: there is no вулиця Гагаріна 20А, the проспект's is found.
  assert.equal(city.keyOf((await search('вул. Гагаріна 20А'))[0]!.id), 'gagarina 20А');
});

test('the exact address ranks above its neighbours with a similar number', async () => {
  const hits = await search('Бучми 18');
  assert.deepEqual(hits.slice(0, 2).map((h) => city.keyOf(h.id)), ['buchmy 18', 'buchmy 18-Д']);
  assert.ok(hits[0]!.score! > hits[1]!.score!);
  const gagarina = await search('Гагаріна 20А');
  assert.equal(city.keyOf(gagarina[0]!.id), 'gagarina 20А');
});

test('a street typed halfway offers the houses of that street', async () => {
  const hits = await search('Бучм', 20);
  assert.ok(hits.length >= 5);
  assert.ok(hits.every((h) => h.street === 'Бучми вулиця'), JSON.stringify(hits.map((h) => h.label)));
});

test('a hit carries the label, street, house number, point and score', async () => {
  const [hit] = await search('Бучми 14');
  assert.deepEqual({ ...hit, score: undefined }, {
    id: city.addresses['buchmy 14'], label: 'Бучми вулиця 14', street: 'Бучми вулиця', house_number: '14', lon: 36.303, lat: 50.0002, score: undefined,
  });
  assert.ok(typeof hit!.score === 'number' && hit!.score > 2);
});

test('text with nothing to search for finds nothing, and unrelated text finds nothing', async () => {
  assert.deepEqual(await search('вул.'), []);
  assert.deepEqual(await search('Пушкінська 100'), []);
});

test('reverse lookup gives the nearest address to a point, and none far from every house', async () => {
  const res = await fetch(`${server.url}/api/addresses?lon=36.30302&lat=50.00021`);
  const { addresses } = (await res.json()) as { addresses: Hit[] };
  assert.equal(addresses.length, 1);
  assert.equal(city.keyOf(addresses[0]!.id), 'buchmy 14');
  assert.ok(addresses[0]!.distance_m! < 3);
  const three = (await (await fetch(`${server.url}/api/addresses?lon=36.30302&lat=50.00021&limit=3`)).json()) as { addresses: Hit[] };
  assert.equal(three.addresses.length, 3);
  assert.ok(three.addresses[0]!.distance_m! <= three.addresses[1]!.distance_m!);
  const far = (await (await fetch(`${server.url}/api/addresses?lon=36.4&lat=50.1`)).json()) as { addresses: Hit[] };
  assert.deepEqual(far.addresses, []);
});

test('malformed lookups are refused with the field to fix', async () => {
  for (const [query, field] of [
    ['', 'q'], ['q=', 'q'], [`q=${'а'.repeat(201)}`, 'q'], ['q=Бучми&lon=36.3&lat=50', 'q'], ['lon=36.3', 'lat'],
    ['lon=abc&lat=50', 'lon'], ['lon=36.3&lat=91', 'lat'], ['q=Бучми&limit=0', 'limit'], ['q=Бучми&limit=1000', 'limit'], ['q=a&q=b', 'q'],
  ] as const) {
    const res = await fetch(`${server.url}/api/addresses?${query}`);
    assert.equal(res.status, 400, query);
    const body = (await res.json()) as { errors: { field: string }[] };
    assert.ok(body.errors.some((e) => e.field === field), `${query}: ${JSON.stringify(body.errors)}`);
  }
});
