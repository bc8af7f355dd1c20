// The OpenAPI 3.1 document for /api: the features' descriptions from the registry, merged, with the shared parts.
import { apiDescriptions } from './registry.js';
import type { ApiDescription, PathItem, Schema } from './spec.js';

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Schema> };
}

const problemSchema: Schema = {
  type: 'object',
  description: 'RFC 9457 problem details.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

/** Merges the descriptions; a path and method described twice is a mistake and says so. */
export function buildOpenApiDocument(descriptions: ApiDescription[] = apiDescriptions): OpenApiDocument {
  const paths: Record<string, PathItem> = {};
  const schemas: Record<string, Schema> = { Problem: problemSchema };
  for (const d of descriptions) {
    for (const [path, item] of Object.entries(d.paths)) {
      const merged: PathItem = { ...(paths[path] ?? {}) };
      for (const [method, op] of Object.entries(item) as Array<[keyof PathItem, NonNullable<PathItem[keyof PathItem]>]>) {
        if (merged[method]) throw new Error(`OpenAPI: ${method.toUpperCase()} ${path} is described twice (again by ${d.tag.name})`);
        merged[method] = { ...op, tags: op.tags ?? [d.tag.name] };
      }
      paths[path] = merged;
    }
    for (const [name, schema] of Object.entries(d.schemas ?? {})) {
      if (schemas[name] && schemas[name] !== schema) throw new Error(`OpenAPI: schema ${name} is defined twice (again by ${d.tag.name})`);
      schemas[name] = schema;
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Misto API',
      version: '0.1.0',
      description: 'The operator, executor, supervisor, inspector and admin API of Misto. Errors are RFC 9457 problem details. ' +
        'Log in with POST /api/auth/login; the session is an httpOnly cookie, and every write with it needs the X-CSRF-Token header ' +
        'from the login answer or GET /api/auth/me. Open311 GeoReport v2 lives apart, under /open311/v2/.',
      license: { name: 'AGPL-3.0-or-later', identifier: 'AGPL-3.0-or-later' },
    },
    tags: descriptions.map((d) => d.tag),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'misto_session', description: 'Set by POST /api/auth/login (httpOnly, SameSite=Lax).' },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'The csrfToken of the session; needed on every POST, PUT, PATCH, DELETE with the cookie.' },
      },
    },
  };
}
