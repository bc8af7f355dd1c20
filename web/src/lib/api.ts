// The one way the app talks to the server: JSON in and out, problem responses and Open311
// error lists turned into field errors, the CSRF token on every cookie-authenticated write.
export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: FieldError[],
  ) {
    super(detail ?? title);
  }

  get offline() {
    return this.status === 0;
  }

  /** Field errors by field name (the first message per field). */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) if (!(e.field in out)) out[e.field] = e.message;
    return out;
  }
}

let csrfToken: string | null = null;
let language = 'uk';

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

export function setApiLanguage(lang: string) {
  language = lang;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

interface ProblemBody {
  title?: string;
  detail?: string;
  errors?: Array<{ field?: string; message?: string }>;
}

interface Open311Error {
  code?: number | string;
  description?: string;
}

/** Reads any error body the server sends (problem+json, an Open311 error list, or text). */
async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (Array.isArray(body)) {
    // Open311: [{code, description}]; the description usually starts with the parameter name.
    const list = body as Open311Error[];
    const errors = list.map((e) => {
      const description = String(e.description ?? '');
      const field = /^([a-z_]+(?:\[[^\]]+\])?)\b/.exec(description)?.[1] ?? '';
      return { field, message: description };
    });
    return new ApiError(res.status, list[0]?.description ?? res.statusText, list.map((e) => e.description).join('; '), errors);
  }
  const p = (body ?? {}) as ProblemBody;
  const errors = (p.errors ?? []).map((e) => ({ field: String(e.field ?? ''), message: String(e.message ?? '') }));
  return new ApiError(res.status, p.title ?? res.statusText, p.detail, errors);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export async function request(path: string, opts: RequestOptions = {}): Promise<Response> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': language, ...opts.headers };
  let body: BodyInit | undefined;
  if (opts.body instanceof FormData) body = opts.body;
  else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), { method, headers, body, credentials: 'same-origin', signal: opts.signal ?? null });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'offline', undefined, []);
  }
  if (!res.ok) throw await toApiError(res);
  return res;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await request(path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export function isAbort(err: unknown): boolean {
  return (err as Error | undefined)?.name === 'AbortError';
}
