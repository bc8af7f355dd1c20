// /api/outages and /api/telephonograms: the public list and card of outages, the outage that would explain a new ticket, and the staff's writes (HTTP only).
import Router from '@koa/router';
import type { Db } from '../db/db.js';
import type { Clock } from '../clock.js';
import { notFound } from '../http/problem.js';
import { currentUser, requireRole } from '../auth/middleware.js';
import { parseBbox, parseCategoryCode, parseCreate, parseEnd, parseId, parseManualTelephonograms, parsePatch, parsePreview } from './schema.js';
import {
  addManualTelephonograms, cancelOutage, createOutage, getOutage, linkedTickets, previewZone, resolveOutage,
  unlinkTicket, updateOutage, withdrawManualTelephonogram,
} from './outages.js';
import { presentOutageFeatures, type OutageRow } from './present.js';
import { explainingOutage } from './link.js';
import { parsePoint } from '../addresses/addresses.js';

/** Who may announce and change outages (admin always may; an executor only its own). */
const MANAGERS = ['operator', 'supervisor', 'executor'] as const;
const PUBLIC_LIST_LIMIT = 500;

export function outageRoutes(db: Db, clock: Clock): Router {
  const router = new Router();

  router.get('/api/outages', async (ctx) => {
    const bbox = parseBbox(ctx.query.bbox);
    const rows = await db.query<OutageRow>('outages/list_public', {
      west: bbox?.[0] ?? null, south: bbox?.[1] ?? null, east: bbox?.[2] ?? null, north: bbox?.[3] ?? null, limit: PUBLIC_LIST_LIMIT,
    });
    ctx.set('Cache-Control', 'public, max-age=30');
    ctx.body = presentOutageFeatures(rows);
  });

  router.post('/api/outages/preview', requireRole(...MANAGERS), async (ctx) => {
    ctx.body = await previewZone(db, parsePreview(ctx.request.body));
  });

  // Before /api/outages/:id, which would take "explaining" for an id.
  router.get('/api/outages/explaining', async (ctx) => {
    const { lon, lat } = parsePoint(ctx.query as Record<string, string | string[] | undefined>);
    const category = parseCategoryCode(ctx.query.category);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { outage: (await explainingOutage(db, category, lon, lat, clock.now())) ?? null };
  });

  router.get('/api/outages/:id', async (ctx) => {
    const id = parseId(ctx.params.id, 'id');
    const outage = await getOutage(db, id);
    if (!outage) throw notFound(`There is no outage ${id}.`);
    ctx.body = outage;
  });

  router.post('/api/outages', requireRole(...MANAGERS), async (ctx) => {
    const input = parseCreate(ctx.request.body);
    const result = await createOutage(db, input, currentUser(ctx), clock.now());
    ctx.status = 201;
    ctx.set('Location', `/api/outages/${result.outage.id}`);
    ctx.body = result;
  });

  router.patch('/api/outages/:id', requireRole(...MANAGERS), async (ctx) => {
    const id = parseId(ctx.params.id, 'id');
    ctx.body = await updateOutage(db, id, parsePatch(ctx.request.body), currentUser(ctx), clock.now());
  });

  router.post('/api/outages/:id/cancel', requireRole(...MANAGERS), async (ctx) => {
    const id = parseId(ctx.params.id, 'id');
    ctx.body = await cancelOutage(db, id, parseEnd(ctx.request.body), currentUser(ctx), clock.now());
  });

  router.post('/api/outages/:id/resolve', requireRole(...MANAGERS), async (ctx) => {
    const id = parseId(ctx.params.id, 'id');
    ctx.body = await resolveOutage(db, id, parseEnd(ctx.request.body), currentUser(ctx), clock.now());
  });

  router.get('/api/outages/:id/tickets', requireRole('operator', 'supervisor', 'executor', 'inspector'), async (ctx) => {
    const id = parseId(ctx.params.id, 'id');
    ctx.body = { tickets: await linkedTickets(db, id) };
  });

  router.delete('/api/outages/:id/tickets/:ticketId', requireRole('operator', 'supervisor'), async (ctx) => {
    const id = parseId(ctx.params.id, 'id');
    const ticketId = parseId(ctx.params.ticketId, 'ticketId');
    await unlinkTicket(db, id, ticketId, currentUser(ctx), clock.now());
    ctx.status = 204;
  });

  router.post('/api/telephonograms', requireRole(...MANAGERS), async (ctx) => {
    const result = await addManualTelephonograms(db, parseManualTelephonograms(ctx.request.body), currentUser(ctx), clock.now());
    ctx.status = 201;
    ctx.body = result;
  });

  router.post('/api/telephonograms/:id/withdraw', requireRole(...MANAGERS), async (ctx) => {
    const id = parseId(ctx.params.id, 'id');
    ctx.body = await withdrawManualTelephonogram(db, id, currentUser(ctx), clock.now());
  });

  return router;
}
