// OpenAPI 3.1 building blocks: the types a feature's description uses and small helpers for the common shapes.

export type Schema = { [key: string]: unknown };

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema: Schema;
  style?: string;
  explode?: boolean;
}

export interface MediaContent {
  [mediaType: string]: { schema: Schema; example?: unknown };
}

export interface Response {
  description: string;
  headers?: Record<string, { description: string; schema: Schema }>;
  content?: MediaContent;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: MediaContent };
  responses: Record<string, Response>;
  /** Omitted: public. [] means public too (overrides nothing); see `session` and `sessionWrite`. */
  security?: Array<Record<string, string[]>>;
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type PathItem = Partial<Record<Method, Operation>>;

/** What one feature adds to the document: its tag, its paths (OpenAPI style, {id}) and its schemas. */
export interface ApiDescription {
  tag: { name: string; description: string };
  paths: Record<string, PathItem>;
  schemas?: Record<string, Schema>;
}

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

export const json = (schema: Schema) => ({ 'application/json': { schema } });

export function ok(description: string, schema: Schema): Response {
  return { description, content: json(schema) };
}

export const noContent: Response = { description: 'Done; no body.' };

const PROBLEM_TEXT: Record<string, string> = {
  400: 'The request is not valid (field errors in `errors`).',
  401: 'Not logged in.',
  403: 'Logged in, but the role may not do this (or the CSRF token is missing or wrong).',
  404: 'Not found, or not visible to this user.',
  409: 'Conflict: the version is stale, or the status does not allow it.',
  413: 'The body is too large.',
  415: 'Wrong content type.',
  429: 'Too many requests; see Retry-After.',
  503: 'The database is unavailable; see Retry-After.',
};

/** Problem responses (application/problem+json) for the given status codes. */
export function problems(...codes: number[]): Record<string, Response> {
  return Object.fromEntries(codes.map((code) => [String(code), {
    description: PROBLEM_TEXT[code] ?? 'A problem.',
    content: { 'application/problem+json': { schema: ref('Problem') } },
  }]));
}

/** A logged-in session (cookie) is needed. */
export const session: Array<Record<string, string[]>> = [{ session: [] }];
/** A logged-in session and its CSRF token in X-CSRF-Token (every cookie-authenticated write). */
export const sessionWrite: Array<Record<string, string[]>> = [{ session: [], csrf: [] }];

export function pathId(name: string, description: string): Parameter {
  return { name, in: 'path', required: true, description, schema: { type: 'integer', minimum: 1 } };
}

export function query(name: string, schema: Schema, description: string): Parameter {
  return { name, in: 'query', description, schema };
}

/** `type: [T, 'null']`, the 3.1 way of saying nullable. */
export function nullable(schema: Schema): Schema {
  const t = schema.type;
  if (typeof t === 'string') return { ...schema, type: [t, 'null'] };
  return { oneOf: [schema, { type: 'null' }] };
}

export const dateTime: Schema = { type: 'string', format: 'date-time' };
