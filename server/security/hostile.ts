// Hostile inputs for the fuzz suite: fast-check arbitraries of the strings, numbers, JSON, geometries and bodies an attacker (or a broken client) sends.
import fc from 'fast-check';

/** SQL that would change a query's meaning if it were ever pasted into one instead of bound as a parameter. */
export const SQL_INJECTIONS = [
  "' OR '1'='1", "' OR 1=1--", "1; DROP TABLE tickets;--", "1' UNION SELECT password_hash, login FROM users--",
  "'); DELETE FROM audit_log; --", "1 OR pg_sleep(5) IS NULL", "'||pg_sleep(5)||'", '$1', '$id', '$$ $$', "E'\\x00'",
  '1::int', "1'::text", '%', '_', '\\', '\\\\', '"', '`', ';', '--', '/*', '*/', "admin'--", 'NULL', 'null',
  "' AND (SELECT count(*) FROM ticket_contacts) > 0 --", '1)); SELECT 1; --', '{"$gt": ""}', '${jndi:ldap://x}',
];

/** Unicode that breaks naive code: NUL, controls, lone surrogates, right-to-left overrides, combining marks, non-characters. */
export const UNICODE_EDGES = [
  '\u0000', 'a\u0000b', '\u0001\u0002\u001f', '\u007f', '\r\n', '\t', '\u2028\u2029', '\uD800', '\uDC00', 'x\uDBFFy', '\uDFFF\uD800',
  '\u202Eevil\u202C', '\u200F\u05E9\u05DC\u05D5\u05DD', '\u0627\u0644\u0639\u0631\u0628\u064A\u0629', 'e' + '\u0301'.repeat(200),
  'Z\u0351\u0356\u0337\u0323\u0324', '\u200B\u200C\u200D\u2060', '\uFEFF', '\uFFFE', '\uFFFF', '\uFFFD', '👨‍👩‍👧‍👦', '🏳️‍🌈',
  '\u{10FFFF}', '\u{1F4A9}'.repeat(50), 'Ї\u0308', 'ǅ', 'İ', 'ß', 'ﬃ', '\u00A0', '\u3000', 'Ⅻ', '١٢٣', '１２３', '²',
];

/** Numbers as text that parse oddly, overflow integer columns, or are not numbers at all. */
export const NUMBER_EDGES = [
  '0', '-0', '-1', '1.5', '1e3', '1e309', '-1e309', 'NaN', 'Infinity', '-Infinity', '0x10', '0b1', '0o7', '1_000', ' 1', '1 ', '+1',
  '2147483647', '2147483648', '-2147483649', '4294967296', '9007199254740993', '9223372036854775807', '9223372036854775808',
  '999999999999999', '99999999999999999999999999', '00000000000001', '1.', '.5', '1e-400', '5e-324', '1,5', '١', '１',
];

/** Path shapes that try to leave a directory or confuse a router. */
export const TRAVERSALS = [
  '..', '../..', '../../../../etc/passwd', '..\\..\\windows\\win.ini', '....//....//etc/passwd', '.', '/', '//', '.env', '.git/config',
  'index.html/..', '~root', 'web/dist/../../package.json', 'C:\\boot.ini', 'file:///etc/passwd', 'http://169.254.169.254/',
];

/** Text already percent-encoded, so that malformed escapes and invalid UTF-8 reach the server as they are. */
export const RAW_ENCODED = [
  '%', '%2', '%zz', '%%', '%00', '%FF', '%C0%AF', '%C0%AE%C0%AE', '%ED%A0%80', '%F4%90%80%80', '%E2%80%AE', '%2e%2e', '%2e%2e%2f%2e%2e%2f',
  '..%2f..%2f..%2fetc%2fpasswd', '..%5c..%5c', '%252e%252e%252f', '%u002e', '.%00.json', '%0d%0aSet-Cookie:%20x=1', '%3Cscript%3E',
];

/** Percent-encodes for a URL, keeping a lone surrogate as its (invalid) three UTF-8 bytes instead of throwing. */
export function encodeComponent(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const isHigh = c >= 0xd800 && c <= 0xdbff;
    const next = s.charCodeAt(i + 1);
    if (isHigh && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += `%${(0xe0 | (c >> 12)).toString(16).toUpperCase()}%${(0x80 | ((c >> 6) & 0x3f)).toString(16).toUpperCase()}%${(0x80 | (c & 0x3f)).toString(16).toUpperCase()}`;
    } else {
      out += encodeURIComponent(s[i]!);
    }
  }
  return out;
}

/** Characters that break text handling when they turn up inside an otherwise ordinary value. */
export const POISON = ['\u0000', '\uD800', '\uDFFF', '\u0001', '\u001b', '\u007f', '\uFFFF', '\uFFFE', '\u202E', "'", '"', '\\', '%', '<', '&', '\r\n'];

/** Ordinary values with one poisoned character inside: what slips past a check that only looks at the ends or the type. */
export function poisoned(): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom('Ремонт', 'water', 'a@b.ua', '2026-11-23', '36.35', '1', 'Гвардійців 1', 'new'), fc.constantFrom(...POISON), fc.constantFrom('', 'труби', 'x', '0'))
    .map(([a, p, b]) => a + p + b);
}

/** The values every field of every route is tried with, one by one (the deterministic sweep). */
export const EDGE_VALUES: unknown[] = [
  'a\u0000b', '\uD800', 'x'.repeat(10_000), '', "' OR '1'='1", 'e\u0301\u0301\u202Eevil\u200B', -1, 1.5, 2147483648, 1e308, true, null, [], { a: { b: 1 } },
];

/** Any hostile text (not yet encoded). */
export function hostileText(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: poisoned() },
    { weight: 4, arbitrary: fc.constantFrom(...SQL_INJECTIONS, ...UNICODE_EDGES, ...NUMBER_EDGES, ...TRAVERSALS) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SQL_INJECTIONS, ...UNICODE_EDGES), fc.constantFrom(...NUMBER_EDGES, 'json', 'xml', 'water')).map(([a, b]) => b + a) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', 'я', '\u0000', '9', '\uD800', ','), fc.integer({ min: 200, max: 20_000 })).map(([c, n]) => c.repeat(n)) },
  );
}

/** A URL component: hostile text encoded, or raw escapes sent as they are; `valid` values keep some requests deep in a route. */
export function hostileComponent(valid: readonly string[] = []): fc.Arbitrary<string> {
  const arbs: fc.WeightedArbitrary<string>[] = [
    { weight: 5, arbitrary: hostileText().map(encodeComponent) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_ENCODED) },
  ];
  if (valid.length > 0) arbs.push({ weight: 3, arbitrary: fc.constantFrom(...valid).map(encodeComponent) });
  return fc.oneof(...arbs);
}

/** Numbers JSON can carry that trouble a validator: huge, tiny, negative zero, fractions where ids go. */
// biome-ignore lint/correctness/noPrecisionLoss: 2^53 + 1, which a double cannot hold, is the point of the case.
export const JSON_NUMBERS = [0, -0, -1, 1, 1.5, 0.1, 2147483647, 2147483648, -2147483649, 9007199254740991, 9007199254740993, 1e21, 1e308, -1e308, 5e-324, 123456789012345];

/** JSON text that JSON.parse turns into something JSON.stringify cannot write: Infinity, and numbers past double precision. */
export const RAW_JSON_NUMBERS = ['1e999', '-1e999', '1E400', '-0.0', '123456789012345678901234567890', '0.0000000000000000000000000000001', '1e-999'];

const LON = 36.35;
const LAT = 50.03;
const square = (lon: number, lat: number, d: number) => [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]];

/** Geometries that are malformed, degenerate, out of range, huge or of the wrong kind. */
export const HOSTILE_GEOMETRIES: unknown[] = [
  { type: 'Point', coordinates: [181, 0] }, { type: 'Point', coordinates: [0, 91] }, { type: 'Point', coordinates: [-180.0000001, -90] },
  { type: 'Point', coordinates: [] }, { type: 'Point', coordinates: [LON] }, { type: 'Point', coordinates: [LON, LAT, 0, 0] },
  { type: 'Point', coordinates: ['36.35', '50.03'] }, { type: 'Point', coordinates: [[LON, LAT]] }, { type: 'Point' }, { type: 'point', coordinates: [LON, LAT] },
  { type: 'Point', coordinates: [1e308, -1e308] }, { type: 'Point', coordinates: [null, null] }, { coordinates: [LON, LAT] },
  { type: 'LineString', coordinates: [[LON, LAT], [LON, LAT]] }, { type: 'LineString', coordinates: [[LON, LAT]] },
  { type: 'LineString', coordinates: [[LON, LAT], [LON + 1e-13, LAT + 1e-13]] }, { type: 'LineString', coordinates: [[-179.9, 0], [179.9, 0]] },
  { type: 'LineString', coordinates: Array.from({ length: 2001 }, (_, i) => [LON + i * 1e-5, LAT]) },
  { type: 'Polygon', coordinates: [] }, { type: 'Polygon', coordinates: [[]] }, { type: 'Polygon', coordinates: [[[LON, LAT], [LON + 0.001, LAT], [LON, LAT]]] },
  { type: 'Polygon', coordinates: [square(LON, LAT, 0.001).slice(0, 4)] },
  { type: 'Polygon', coordinates: [[[LON, LAT], [LON + 0.002, LAT + 0.002], [LON + 0.002, LAT], [LON, LAT + 0.002], [LON, LAT]]] },
  { type: 'Polygon', coordinates: [[[LON, LAT], [LON + 0.001, LAT], [LON + 0.002, LAT], [LON, LAT]]] },
  { type: 'Polygon', coordinates: [[[LON, LAT], [LON, LAT], [LON, LAT], [LON, LAT]]] },
  { type: 'Polygon', coordinates: [square(LON, LAT, 0.01), square(LON + 1, LAT + 1, 0.001)] },
  { type: 'Polygon', coordinates: [square(LON, LAT, 0.01), square(LON, LAT, 0.01)] },
  { type: 'Polygon', coordinates: [[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]] },
  { type: 'Polygon', coordinates: [[[179, 50], [-179, 50], [-179, 51], [179, 51], [179, 50]]] },
  { type: 'Polygon', coordinates: [[[0, 89.9], [120, 89.9], [-120, 89.9], [0, 89.9]]] },
  { type: 'Polygon', coordinates: [square(LON, LAT, 1e-12)] },
  { type: 'Polygon', coordinates: [Array.from({ length: 20_001 }, (_, i) => [LON + Math.cos(i / 3183) * 0.01, LAT + Math.sin(i / 3183) * 0.01]).concat([[LON + 0.01, LAT]])] },
  { type: 'MultiPolygon', coordinates: [] }, { type: 'MultiPolygon', coordinates: [[square(LON, LAT, 0.01)], [square(LON + 0.005, LAT + 0.005, 0.01)]] },
  { type: 'MultiPolygon', coordinates: [[[]]] }, { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [LON, LAT] }] },
  { type: 'Feature', geometry: { type: 'Point', coordinates: [LON, LAT] }, properties: {} }, { type: 'Polygon', coordinates: 'POLYGON((0 0,1 1,1 0,0 0))' },
  'POINT(36.35 50.03)', 'SRID=3857;POINT(4046000 6451000)', "POINT(0 0)'); DROP TABLE objects; --", '0101000020E6100000', [LON, LAT], {}, null,
];

/** Degenerate geometries built at random: positions anywhere (in range or not), any number of them, under any type name. */
export function randomGeometry(): fc.Arbitrary<unknown> {
  const coordinate = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -200, max: 200 }), fc.constantFrom(180, -180, 90, -90, 0, -0, LON, LAT));
  const position = fc.tuple(coordinate, coordinate);
  return fc.record({
    type: fc.constantFrom('Point', 'LineString', 'Polygon', 'MultiPolygon', 'MultiPoint', 'Bogus'),
    coordinates: fc.oneof(position, fc.array(position, { maxLength: 6 }), fc.array(fc.array(position, { maxLength: 6 }), { maxLength: 3 })),
  });
}

/** A JSON value of the wrong type, shape or size for whatever field it lands in. */
export function hostileJsonValue(): fc.Arbitrary<unknown> {
  const { tree } = fc.letrec<{ tree: unknown; leaf: unknown }>((tie) => ({
    leaf: fc.oneof(
      { weight: 3, arbitrary: hostileText() },
      { weight: 2, arbitrary: fc.constantFrom(...JSON_NUMBERS) },
      { weight: 1, arbitrary: fc.constantFrom(null, true, false, '', ' ', 'true', '1', 'null', '[]', '{}') },
      { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
      { weight: 1, arbitrary: fc.integer() },
    ),
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 6, arbitrary: tie('leaf') },
      { weight: 1, arbitrary: fc.array(tie('tree'), { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'type', 'coordinates', ''), hostileText()), tie('tree'), { maxKeys: 4 }) },
      { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_GEOMETRIES) },
      { weight: 1, arbitrary: randomGeometry() },
    ),
  }));
  return tree;
}

/** `[[[…]]]` or `{"a":{"a":…}}` nested `depth` deep: a parser or a recursive validator that does not bound depth falls over. */
export function deepNesting(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Body text that is not JSON, or JSON of a kind no handler expects. */
export const MALFORMED_JSON = [
  '', ' ', '{', '}', '{"a":', '{"a":1,}', "{'a':1}", '{a:1}', '[1,2', 'nul', 'tru', '"unterminated', '{"a":1}garbage', '{"a":1}{"b":2}',
  '\u0000', '\uFEFF{"a":1}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"a":"\\x41"}', '{"a":01}', '{"a":.5}', '{"a":+1}', '{"a":NaN}', '{"a":Infinity}',
  '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '{"a":1,"a":2}', 'null', 'true', '0', '-1', '"text"', '[]', '[{}]',
  '\xff\xfe{\x00"\x00', '{"a":"' + '\\'.repeat(3) + '"}',
];
