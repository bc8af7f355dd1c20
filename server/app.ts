// createApp({ db, config, clock }): the Koa app with its middleware and routers, nothing else.
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import type { Db } from './db/db.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './clock.js';
import { problemMiddleware } from './http/problem.js';
import { healthRoutes } from './health/routes.js';
import type { ChangeFeed } from './live/changes.js';

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
  void clock;
  const app = new Koa();
  app.proxy = true;
  app.use(problemMiddleware);
  app.use(bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '256kb', formLimit: '256kb' }));
  for (const router of [healthRoutes(db)]) {
    app.use(router.routes()).use(router.allowedMethods());
  }
  return app;
}
