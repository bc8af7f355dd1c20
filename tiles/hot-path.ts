// Tiles already in the cache, answered before the app's middleware: a map asks for dozens of
// tiles a second per user, and each answer from the cache is a few microseconds of work that
// the Koa context and the routers around it (sessions, body reading, a dozen routers) would
// multiply several times over. Anything else (a miss, a bad address, another method, a query
// string) goes to the app unchanged, which answers it as before; the bytes and headers of a
// hit are those the Koa route sends (tileAnswer), with the headers the app puts on every
// response.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type Koa from 'koa';
import type { AppDeps } from '../server/app.js';
import { systemClock } from '../server/clock.js';
import { securityHeaders } from '../server/http/security-headers.js';
import type { TileLayer } from './layers.js';
import { layersOf, negotiateEncoding, tileAnswer } from './routes.js';
import { tileServiceFor } from './service.js';
import { MAX_ZOOM } from './tile.js';

// The shape parseTileAddress accepts, without a query string; its numbers are checked below.
const TILE_PATH = /^\/tiles\/([a-z_,]{1,200})\/([0-9]{1,8})\/([0-9]{1,8})\/([0-9]{1,8})\.(?:mvt|pbf)$/;
// Sources (and Accept-Encoding headers) seen, resolved once: a map sends a handful. Bounded, as
// they are the clients' to choose.
const MAX_SOURCES = 256;

/**
 * The headers a middleware of the app (server/http/security-headers.ts) sets on every
 * response, read off it once per scheme by running it on a stand-in context, so that they are
 * its own and stay so when it changes.
 */
export async function headersSetBy(middleware: Koa.Middleware, secure: boolean): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  const ctx = {
    secure,
    headerSent: false,
    set: (name: string, value: string) => { headers[name] = value; },
    remove: (name: string) => { delete headers[name]; },
  };
  await middleware(ctx as unknown as Koa.ParameterizedContext, async () => {});
  return headers;
}

export interface TileHotPathOptions {
  /** The security-headers middleware of the app (default: securityHeaders(), as createApp has
   *  it), whose headers every answer carries. */
  securityHeaders?: Koa.Middleware;
}

/** A request listener that answers cache hits of GET /tiles/… itself and hands the rest to next. */
export async function tileHotPath(deps: AppDeps, next: RequestListener, opts: TileHotPathOptions = {}): Promise<RequestListener> {
  const service = tileServiceFor(deps);
  const clock = deps.clock ?? systemClock;
  const security = opts.securityHeaders ?? securityHeaders();
  // As flat lists (name, value, name, value…), which res.writeHead takes as they are.
  const flat = (headers: Record<string, string>) => Object.entries(headers).flat();
  const common = { false: flat(await headersSetBy(security, false)), true: flat(await headersSetBy(security, true)) };
  const sources = new Map<string, readonly TileLayer[] | null>();
  // Accept-Encoding headers seen, negotiated once (a browser sends the same one every time).
  const encodings = new Map<string, 'gzip' | 'identity' | undefined>();

  const layersFor = (source: string): readonly TileLayer[] | null => {
    let layers = sources.get(source);
    if (layers === undefined) {
      try {
        layers = layersOf(source);
      } catch {
        layers = null;
      }
      if (sources.size < MAX_SOURCES) sources.set(source, layers);
    }
    return layers;
  };

  // As Koa's ctx.secure: TLS here, or (behind a trusted proxy) X-Forwarded-Proto.
  const isSecure = (req: IncomingMessage): boolean => {
    if ((req.socket as TLSSocket).encrypted) return true;
    if (!deps.config.trustProxy) return false;
    const proto = req.headers['x-forwarded-proto'];
    return typeof proto === 'string' && proto.split(',')[0]!.trim().toLowerCase() === 'https';
  };

  const serveHit = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET') return false;
    const m = TILE_PATH.exec(req.url ?? '');
    if (!m) return false;
    const layers = layersFor(m[1]!);
    const [z, x, y] = [Number(m[2]), Number(m[3]), Number(m[4])];
    if (!layers || z > MAX_ZOOM || x >= 2 ** z || y >= 2 ** z) return false;
    const accept = req.headers['accept-encoding'] ?? '';
    let encoding = encodings.get(accept);
    if (encoding === undefined) {
      try {
        encoding = negotiateEncoding(accept || undefined);
      } catch {
        return false;
      }
      if (!encoding) return false;
      if (encodings.size < MAX_SOURCES) encodings.set(accept, encoding);
    }
    const tile = service.peek(layers, { z, x, y });
    if (!tile) return false;
    const ifNoneMatch = req.headers['if-none-match'];
    const answer = tileAnswer(tile, encoding, typeof ifNoneMatch === 'string' && ifNoneMatch !== '' ? ifNoneMatch : undefined, clock.now().getTime());
    const headers = common[`${isSecure(req)}`].slice();
    for (const [name, value] of answer.headers) headers.push(name, value);
    if (answer.body) headers.push('Content-Length', String(answer.body.length));
    res.writeHead(answer.status, headers);
    res.end(answer.body ?? undefined);
    return true;
  };

  return (req, res) => {
    if (!serveHit(req, res)) next(req, res);
  };
}
