// The document describes itself: GET /api/openapi.json.
import { ok, type ApiDescription } from './spec.js';

export const openApiApi: ApiDescription = {
  tag: { name: 'openapi', description: 'This description.' },
  paths: {
    '/api/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'The OpenAPI 3.1 document of /api',
        responses: { 200: ok('The document.', { type: 'object' }) },
      },
    },
  },
};
