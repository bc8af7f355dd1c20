// /api/tickets for staff: the list with SLA timers, the detail with events, transitions, decline, re-routing; /api/executors to choose from.
import Router from '@koa/router';
import type { Db } from '../db/db.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { currentUser, requireRole } from '../auth/middleware.js';
import { idempotency, type IdempotencyState } from '../http/idempotency.js';
import { parseDecline, parseRoute, parseTicketId, parseTicketListQuery, parseTransition } from './schema.js';
import { declineTicket, listExecutors, listTickets, registerTicket, routeTicketTo, ticketDetail, transitionTicket } from './tickets.js';

export interface StaffDeps {
  db: Db;
  clock: Clock;
  config: Config;
}

export function staffRoutes({ db, clock, config }: StaffDeps): Router {
  const router = new Router();
  const staff = requireRole('operator', 'executor', 'supervisor', 'inspector', 'deputy');

  router.get('/api/tickets', staff, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await listTickets(db, currentUser(ctx), parseTicketListQuery(ctx.query), clock.now());
  });

  // A retried registration (the operator's network dropped the answer) must not file the caller twice.
  router.post('/api/tickets', requireRole('operator'), idempotency(db, (ctx) => `user:${currentUser(ctx).id}`), async (ctx) => {
    const body = await registerTicket(db, currentUser(ctx), ctx.request.body, clock.now(), config, ctx.state.idempotency as IdempotencyState | undefined);
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  });

  router.get('/api/tickets/:id', staff, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await ticketDetail(db, currentUser(ctx), parseTicketId(ctx.params.id), clock.now());
  });

  router.post('/api/tickets/:id/transitions', requireRole('operator', 'executor', 'supervisor'), async (ctx) => {
    const id = parseTicketId(ctx.params.id);
    ctx.body = await transitionTicket(db, currentUser(ctx), id, parseTransition(ctx.request.body), clock.now());
  });

  router.post('/api/tickets/:id/decline', requireRole('executor'), async (ctx) => {
    const id = parseTicketId(ctx.params.id);
    ctx.body = await declineTicket(db, currentUser(ctx), id, parseDecline(ctx.request.body), clock.now(), config.defaultExecutor);
  });

  router.get('/api/executors', staff, async (ctx) => {
    ctx.body = { executors: await listExecutors(db) };
  });

  router.post('/api/tickets/:id/route', requireRole('operator', 'supervisor'), async (ctx) => {
    const id = parseTicketId(ctx.params.id);
    ctx.body = await routeTicketTo(db, currentUser(ctx), id, parseRoute(ctx.request.body), clock.now());
  });

  return router;
}
