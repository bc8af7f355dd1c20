// Moments written in the city's time zone: ISO 8601 with the offset (Open311, the API) and
// "23.11.2026 15:00" (notices). Every ticket a list, the live stream or the API answers with
// carries three of them, so they are computed from the zone's UTC offset, which Intl is asked
// once per quarter hour of time and kept, rather than formatted by Intl each time (formatToParts
// was the largest single cost of presenting a ticket).

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function offsetFormat(timeZone: string): Intl.DateTimeFormat {
  let f = offsetFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormats.set(timeZone, f);
  }
  return f;
}

/** The zone's UTC offset at an instant, in seconds east of Greenwich, as Intl has it. */
function intlOffsetSeconds(ms: number, timeZone: string): number {
  const name = offsetFormat(timeZone).formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(name);
  if (!m) throw new Error(`unexpected time zone offset "${name}" for ${timeZone}`);
  if (!m[1]) return 0;
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -seconds : seconds;
}

const QUARTER_HOUR = 15 * 60_000;
/** Offsets by zone and quarter hour; a quarter hour whose two ends differ holds null (asked each time). */
const offsets = new Map<string, Map<number, number | null>>();
const MAX_QUARTERS = 20_000;

/**
 * The offset at an instant. Offsets change a few times a year; a quarter hour whose first and
 * last millisecond have the same offset has it throughout (no zone changes twice within 15
 * minutes), so it is kept. One that holds a change (a DST switch off the quarter hour, as old
 * local mean times had) is asked of Intl for each instant.
 */
export function zoneOffsetSeconds(date: Date, timeZone: string): number {
  const ms = date.getTime();
  const quarter = Math.floor(ms / QUARTER_HOUR);
  let zone = offsets.get(timeZone);
  if (!zone) offsets.set(timeZone, (zone = new Map()));
  let offset = zone.get(quarter);
  if (offset === undefined) {
    const start = intlOffsetSeconds(quarter * QUARTER_HOUR, timeZone);
    const end = intlOffsetSeconds((quarter + 1) * QUARTER_HOUR - 1, timeZone);
    offset = start === end ? start : null;
    if (zone.size >= MAX_QUARTERS) zone.clear();
    zone.set(quarter, offset);
  }
  return offset ?? intlOffsetSeconds(ms, timeZone);
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

function offsetText(seconds: number): string {
  if (seconds === 0) return '+00:00';
  const abs = Math.abs(seconds);
  const s = abs % 60;
  return `${seconds < 0 ? '-' : '+'}${two(Math.floor(abs / 3600))}:${two(Math.floor(abs / 60) % 60)}${s ? `:${two(s)}` : ''}`;
}

/** The wall clock in the zone, as the UTC fields of a shifted Date (seconds truncated, as Intl does). */
function wallClock(date: Date, offsetSeconds: number): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000 + offsetSeconds * 1000);
}

function year(d: Date): string {
  const y = d.getUTCFullYear();
  return y >= 0 && y < 10_000 ? String(y).padStart(4, '0') : String(y);
}

/** ISO 8601 with the city's UTC offset, e.g. 2026-11-23T11:00:00+02:00 (Open311 asks for a zone; the offset also tells local time). */
export function isoWithOffset(date: Date, timeZone: string): string {
  const offset = zoneOffsetSeconds(date, timeZone);
  const w = wallClock(date, offset);
  return `${year(w)}-${two(w.getUTCMonth() + 1)}-${two(w.getUTCDate())}T${two(w.getUTCHours())}:${two(w.getUTCMinutes())}:${two(w.getUTCSeconds())}${offsetText(offset)}`;
}

/** "23.11.2026 15:00" in the city's time: how a notice names a moment. */
export function localDateTime(date: Date, timeZone: string): string {
  const w = wallClock(date, zoneOffsetSeconds(date, timeZone));
  return `${two(w.getUTCDate())}.${two(w.getUTCMonth() + 1)}.${year(w)} ${two(w.getUTCHours())}:${two(w.getUTCMinutes())}`;
}
