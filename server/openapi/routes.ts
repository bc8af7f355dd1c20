// GET /api/openapi.json: the OpenAPI document, built once.
import Router from '@koa/router';
import { buildOpenApiDocument } from './openapi.js';

export function openApiRoutes(): Router {
  const router = new Router();
  const body = JSON.stringify(buildOpenApiDocument());
  router.get('/api/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = body;
  });
  return router;
}
