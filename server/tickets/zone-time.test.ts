// Times in the city's zone computed from a kept offset give exactly what Intl formats, across DST switches and odd historic offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoWithOffset, localDateTime } from './zone-time.js';

/** What Intl itself writes: the way these were formatted before the offsets were kept. */
const formats = new Map<string, Intl.DateTimeFormat>();
const format = (key: string, make: () => Intl.DateTimeFormat) => formats.get(key) ?? formats.set(key, make()).get(key)!;

function intlIso(date: Date, timeZone: string): string {
  const p = Object.fromEntries(format(`iso ${timeZone}`, () => new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset',
  })).formatToParts(date).map((x) => [x.type, x.value]));
  const offset = p.timeZoneName === 'GMT' ? '+00:00' : String(p.timeZoneName).replace('GMT', '');
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offset}`;
}

function intlLocal(date: Date, timeZone: string): string {
  const p = Object.fromEntries(format(`local ${timeZone}`, () => new Intl.DateTimeFormat('uk-UA', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  })).formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`;
}

// Kyiv (the city), a zone with 45-minute offsets, one with a half-hour DST step, one west of
// Greenwich with a half-hour offset, and UTC.
const ZONES = ['Europe/Kyiv', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns', 'UTC'];

test('every instant around this year\'s DST switches in Kyiv reads as Intl reads it', () => {
  // Europe/Kyiv: 2026-03-29 01:00 UTC (+02 → +03) and 2026-10-25 01:00 UTC (+03 → +02), second by second around each.
  for (const at of ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z']) {
    const t = Date.parse(at);
    for (let s = -120; s <= 120; s++) {
      const d = new Date(t + s * 1000 + 999);
      assert.equal(isoWithOffset(d, 'Europe/Kyiv'), intlIso(d, 'Europe/Kyiv'), d.toISOString());
      assert.equal(localDateTime(d, 'Europe/Kyiv'), intlLocal(d, 'Europe/Kyiv'), d.toISOString());
    }
  }
  assert.equal(isoWithOffset(new Date('2026-11-23T09:00:00Z'), 'Europe/Kyiv'), '2026-11-23T11:00:00+02:00');
  assert.equal(localDateTime(new Date('2026-07-01T12:30:00Z'), 'Europe/Kyiv'), '01.07.2026 15:30');
});

test('20,000 instants from 1900 to 2100 in five zones read as Intl reads them, historic offsets with seconds too', () => {
  // A fixed sequence (a linear congruential generator), so that a failure names its instant.
  let seed = 20261123;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const from = Date.parse('1900-01-01T00:00:00Z');
  const to = Date.parse('2100-01-01T00:00:00Z');
  for (let i = 0; i < 20_000; i++) {
    const zone = ZONES[i % ZONES.length]!;
    const d = new Date(Math.floor(from + next() * (to - from)));
    assert.equal(isoWithOffset(d, zone), intlIso(d, zone), `${zone} ${d.toISOString()}`);
    assert.equal(localDateTime(d, zone), intlLocal(d, zone), `${zone} ${d.toISOString()}`);
  }
  // Kyiv kept local mean time (+02:02:04) until 1924: Intl names the seconds, and so does this.
  const lmt = new Date('1910-06-01T10:00:00Z');
  assert.equal(isoWithOffset(lmt, 'Europe/Kyiv'), intlIso(lmt, 'Europe/Kyiv'));
  assert.match(isoWithOffset(lmt, 'Europe/Kyiv'), /\+02:02:04$/);
});
