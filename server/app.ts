// createApp({ db, config, clock }): the Koa app with its middleware and routers, nothing else.
import Koa from 'koa';
import type { Db } from './db/db.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './clock.js';
import { problemMiddleware } from './http/problem.js';
import { securityHeaders } from './http/security-headers.js';
import { readInput } from './http/input.js';
import { knownMethods } from './http/methods.js';
import { loadShedding } from './http/load-shedding.js';
import { readYourWrites } from './http/read-your-writes.js';
import { validators } from './http/validators.js';
import { healthRoutes } from './health/routes.js';
import { sessionMiddleware } from './auth/middleware.js';
import { authRoutes } from './auth/routes.js';
import { adminRoutes } from './auth/admin-routes.js';
import { staffRoutes } from './staff/routes.js';
import { openApiRoutes } from './openapi/routes.js';
import type { ChangeFeed } from './live/changes.js';
import { open311Routes } from './open311/routes.js';
import { ticketRoutes } from './tickets/routes.js';
import { liveRoutes } from './live/routes.js';
import { webApp } from './web/static.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { outageRoutes } from './outages/routes.js';
import { addressRoutes } from './addresses/routes.js';
import { tileRoutes } from '../tiles/routes.js';
import { objectRoutes } from './objects/routes.js';
import { ownershipRoutes } from './ownership/routes.js';

export interface AppDeps {
  db: Db;
  config: Config;
  /** Row changes from the database (NOTIFY), for tile invalidation and the live stream. */
  changes: ChangeFeed;
  clock?: Clock;
}

export function createApp(deps: AppDeps): Koa {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;
  const app = new Koa();
  app.proxy = deps.config.trustProxy;
  app.use(securityHeaders());
  app.use(problemMiddleware);
  app.use(knownMethods());
  app.use(loadShedding(db, deps.config));
  app.use(readYourWrites(deps.config));
  app.use(validators());
  // Before the body parser: Open311 parses its own body, so a malformed one gets the spec's error list.
  app.use(open311Routes(deps));
  app.use(readInput('256kb'));
  app.use(sessionMiddleware(db, clock));
  for (const router of [healthRoutes(db), authRoutes(db, clock), adminRoutes(db, clock), staffRoutes({ db, clock, config: deps.config }), openApiRoutes(), dashboardRoutes(db, clock), outageRoutes(db, clock), addressRoutes(db, clock), tileRoutes(deps), ticketRoutes(deps), liveRoutes(deps), objectRoutes(deps), ownershipRoutes(deps)]) {
    app.use(router.routes()).use(router.allowedMethods());
  }
  // Last: the built web app answers only what no router did.
  app.use(webApp());
  return app;
}
