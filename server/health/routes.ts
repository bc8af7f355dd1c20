// GET /health: 200 with the database and PostGIS versions once the database answers.
import Router from '@koa/router';
import { one, type Db } from '../db/db.js';

export function healthRoutes(db: Db): Router {
  const router = new Router();
  router.get('/health', async (ctx) => {
    const v = await one<{ postgres: string; postgis: string; schema_version: string }>(db, 'health/versions');
    ctx.body = { status: 'ok', database: { backend: db.backend, postgres: v.postgres, postgis: v.postgis, schema_version: v.schema_version } };
  });
  return router;
}
