// GET /api/live: Server-Sent Events of public ticket changes (event: ticket) and the tiles to refresh (event: tiles); ?bbox= one view, ?detail=brief tickets in brief.
import Router from '@koa/router';
import type { AppDeps } from '../app.js';
import { badRequest } from '../http/problem.js';
import { LiveHub, type LiveDetail } from './stream.js';
import type { BBox } from './changes.js';

/** An optional ?bbox=west,south,east,north limits a client to what happens in its map view. */
function parseBBox(raw: unknown): BBox | undefined {
  if (raw === undefined || raw === '') return undefined;
  const parts = typeof raw === 'string' ? raw.split(',').map((p) => p.trim()) : [];
  const n = parts.map((p) => (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(p) ? Number(p) : NaN));
  const [w, s, e, nn] = n as [number, number, number, number];
  if (n.length !== 4 || n.some((x) => !Number.isFinite(x)) || w > e || s > nn || w < -180 || e > 180 || s < -90 || nn > 90) {
    throw badRequest('bbox is not valid.', [{ field: 'bbox', message: 'must be west,south,east,north in degrees (WGS 84)' }]);
  }
  return [w, s, e, nn];
}

/** ?detail=brief: each ticket as its id, place and state only; full (the default): its whole public projection. */
function parseDetail(raw: unknown): LiveDetail {
  if (raw === undefined || raw === '' || raw === 'full') return 'full';
  if (raw === 'brief') return 'brief';
  throw badRequest('detail is not valid.', [{ field: 'detail', message: 'must be full or brief' }]);
}

export function liveRoutes(deps: AppDeps, hub = new LiveHub({ db: deps.db, changes: deps.changes, timeZone: deps.config.tickets.timeZone })): Router {
  const router = new Router();
  router.get('/api/live', (ctx) => {
    const bbox = parseBBox(ctx.query.bbox);
    const detail = parseDetail(ctx.query.detail);
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.req.socket.setKeepAlive(true);
    ctx.respond = false;
    ctx.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx would otherwise buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    ctx.res.write('retry: 3000\n: connected\n\n');
    const remove = hub.add(ctx.res, bbox, detail);
    ctx.req.once('close', remove);
    ctx.res.once('error', remove);
  });
  return router;
}
