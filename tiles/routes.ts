// HTTP for tiles: GET /tiles/{layer[,layer…]}/{z}/{x}/{y}.mvt, TileJSON at
// /tiles/{layer[,layer…]}.json and the map style at /style.json. The layer names and the tile
// address are checked before any database work; the rest is the tile service's.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AppDeps } from '../server/app.js';
import { systemClock } from '../server/clock.js';
import { badRequest, notFound, Problem } from '../server/http/problem.js';
import { LAYERS, resolveLayers, type TileLayer } from './layers.js';
import { tileServiceFor } from './service.js';
import { parseTileAddress } from './tile.js';
import { tileJson } from './tilejson.js';
import { buildStyle } from './style.js';
import type { CachedTile } from './cache.js';

export const MVT_TYPE = 'application/vnd.mapbox-vector-tile';

// How long a tile may be reused without asking (DESIGN.md: a new ticket is in every affected tile
// ≤ 1 s after commit). No purge reaches a CDN or an nginx cache, so the bound is the lifetime:
// a shared cache (s-maxage) keeps a tile 1 s and then revalidates it with If-None-Match, which
// this server answers with a bodiless 304 from memory (the hot path), so a tile in the news costs
// the origin about one small request per second per cache, however many people look at it.
// Browsers (max-age=0) revalidate on every reuse, so a browser behind a shared cache adds nothing
// to its second. Caches count whole seconds: one that rounds may keep the tile up to a second
// longer. The web map is not bound by this at all: on each change the live stream names, it
// refetches the touched source with a new query string, which no cache holds and which this
// server answers after dropping the touched tiles (the same NOTIFY). Without stale-while-
// revalidate: a cache would serve the old tile past the second while it asks. A tile that the
// clock will change sooner (a deadline, an outage window) is kept only until then.
const SHARED_MAX_AGE_S = 1;

export function cacheControl(expiresAt: number | null, now: number): string {
  const left = expiresAt === null ? Infinity : Math.max(0, Math.floor((expiresAt - now) / 1000));
  return `public, max-age=0, s-maxage=${Math.min(SHARED_MAX_AGE_S, left)}`;
}

const MAX_ACCEPT_ENCODING = 1024;
const QVALUE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * What to send for this Accept-Encoding (RFC 9110 12.5.3): 'gzip', 'identity', or undefined
 * when the client refuses both (406). Entries that do not parse are ignored, as unknown codings.
 */
export function negotiateEncoding(header: string | undefined): 'gzip' | 'identity' | undefined {
  if (header === undefined || header.trim() === '') return 'identity';
  if (header.length > MAX_ACCEPT_ENCODING) throw badRequest(`Accept-Encoding is longer than ${MAX_ACCEPT_ENCODING} characters.`, [{ field: 'accept-encoding', message: 'too long' }]);
  const q = new Map<string, number>();
  for (const entry of header.split(',').slice(0, 64)) {
    const [coding, ...params] = entry.split(';').map((s) => s.trim().toLowerCase());
    if (!coding || !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(coding)) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^q\s*=\s*(.*)$/.exec(p);
      if (m) weight = QVALUE.test(m[1] ?? '') ? Number(m[1]) : NaN;
    }
    if (!Number.isNaN(weight) && !q.has(coding)) q.set(coding, weight);
  }
  const star = q.get('*');
  const gzip = q.get('gzip') ?? q.get('x-gzip') ?? star ?? 0;
  // identity is acceptable unless refused by name or by a star that names no weight for it.
  const identity = q.get('identity') ?? star ?? 1;
  if (gzip > 0 && gzip >= identity) return 'gzip';
  if (identity > 0) return 'identity';
  return gzip > 0 ? 'gzip' : undefined;
}

function quoted(hash: string, encoding: 'gzip' | 'identity'): string {
  // A strong validator names one representation: the gzipped bytes get their own.
  return encoding === 'gzip' ? `"${hash}.gz"` : `"${hash}"`;
}

/** What a tile request is answered with: status, headers and body (the app's own headers aside). */
export interface TileAnswer {
  status: 200 | 204 | 304;
  /** Name and value pairs: a list costs the hot path far less to build and send than an object. */
  headers: [string, string][];
  body: Buffer | null;
}

/**
 * The answer for a tile in this coding to a request with this If-None-Match, for the Koa route
 * and for tiles/hot-path.ts alike, so that both send the same bytes and headers.
 */
export function tileAnswer(tile: CachedTile, encoding: 'gzip' | 'identity', ifNoneMatch: string | undefined, now: number): TileAnswer {
  const headers: [string, string][] = [
    ['Cache-Control', cacheControl(tile.expiresAt, now)],
    ['Vary', 'Accept-Encoding'],
    ['Access-Control-Allow-Origin', '*'],
  ];
  // An empty tile is always 204 with no body, whatever the coding.
  if (tile.raw.length === 0) return { status: 204, headers, body: null };
  const body = encoding === 'gzip' && tile.gzip ? tile.gzip : tile.raw;
  headers.push(['ETag', quoted(tile.hash, body === tile.gzip ? 'gzip' : 'identity')]);
  if (matchesIfNoneMatch(ifNoneMatch, tile.hash)) return { status: 304, headers, body: null };
  headers.push(['Content-Type', MVT_TYPE]);
  if (body === tile.gzip) headers.push(['Content-Encoding', 'gzip']);
  return { status: 200, headers, body };
}

/** Whether If-None-Match names this tile (in either coding: the content is the same). */
export function matchesIfNoneMatch(header: string | undefined, hash: string): boolean {
  if (!header || header.length > 8192) return false;
  return header.split(',').some((raw) => {
    const tag = raw.trim().replace(/^W\//, '');
    return tag === '*' || tag === `"${hash}"` || tag === `"${hash}.gz"`;
  });
}

// Koa's ctx.origin is the Origin request header; TileJSON and the style need this server's own.
function baseUrl(ctx: Context): string {
  const host = ctx.host;
  if (!/^[A-Za-z0-9.:[\]-]{1,255}$/.test(host)) throw badRequest('The Host header is not a host name.', [{ field: 'host', message: 'not a host name' }]);
  return `${ctx.protocol}://${host}`;
}

export function layersOf(source: string): TileLayer[] {
  const ids = source.split(',');
  if (source.length > 200 || ids.length > LAYERS.length * 2 || ids.some((id) => id === '')) {
    throw notFound('No such tile source.');
  }
  const { layers, unknown } = resolveLayers(ids);
  if (unknown.length > 0) {
    const shown = unknown.map((u) => JSON.stringify(u.slice(0, 40))).join(', ');
    throw notFound(`No tile layer ${shown}. Layers: ${LAYERS.map((l) => l.id).join(', ')}.`);
  }
  return layers;
}

export function tileRoutes(deps: AppDeps): Router {
  const service = tileServiceFor(deps);
  const clock = deps.clock ?? systemClock;
  const router = new Router();

  let centre: { at: [number, number] | undefined; until: number } | undefined;
  async function cityCentre(): Promise<[number, number] | undefined> {
    const now = Date.now();
    if (!centre || centre.until < now) {
      const [row] = await deps.db.query<{ lon: number; lat: number }>('tiles/city_centre');
      centre = { at: row ? [row.lon, row.lat] : undefined, until: now + 5 * 60_000 };
    }
    return centre.at;
  }

  function sendTile(ctx: Context, tile: CachedTile, encoding: 'gzip' | 'identity') {
    const answer = tileAnswer(tile, encoding, ctx.get('If-None-Match') || undefined, clock.now().getTime());
    for (const [name, value] of answer.headers) ctx.set(name, value);
    ctx.status = answer.status;
    if (answer.body) ctx.body = answer.body;
  }

  router.get('/tiles/:source/:z/:x/:file', async (ctx) => {
    const layers = layersOf(ctx.params.source ?? '');
    const tile = parseTileAddress(ctx.params.z ?? '', ctx.params.x ?? '', ctx.params.file ?? '');
    const encoding = negotiateEncoding(ctx.get('Accept-Encoding') || undefined);
    if (!encoding) throw new Problem(406, 'not-acceptable', 'Not acceptable', 'Tiles are sent gzipped or as they are; Accept-Encoding refuses both.');
    sendTile(ctx, await service.get(layers, tile), encoding);
  });

  router.get('/tiles/:file', async (ctx) => {
    const file = ctx.params.file ?? '';
    if (!file.endsWith('.json')) throw notFound('TileJSON is at /tiles/{layer}.json.');
    const layers = layersOf(file.slice(0, -'.json'.length));
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = tileJson(baseUrl(ctx), layers, await cityCentre());
  });

  router.get('/style.json', async (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = buildStyle(baseUrl(ctx), await cityCentre());
  });

  return router;
}
