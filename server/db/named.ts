// $name parameters → $1..$n, through node-postgres-named, for both backends alike.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const named = require('node-postgres-named') as { patch(client: object): { query(sql: string, values: object): unknown } };

// node-postgres-named only exposes patch(client); a client whose query returns its arguments
// turns it into a pure converter, so the pg pool and PGlite share one conversion.
const converter = named.patch({ query: (text: string, values: unknown[]) => ({ text, values }) });

export class MissingParameterError extends Error {
  constructor(readonly queryName: string, readonly missing: string[]) {
    super(`${queryName} needs parameter${missing.length > 1 ? 's' : ''} ${missing.map((m) => '$' + m).join(', ')}, which ${missing.length > 1 ? 'were' : 'was'} not given`);
    this.name = 'MissingParameterError';
  }
}

const tokenPattern = /\$([a-zA-Z][a-zA-Z0-9_]*)\b/g;

export function toPositional(text: string, params: Record<string, unknown>, queryName: string): { text: string; values: unknown[] } {
  // Undefined counts as missing: it is almost always a typo in the caller, never a wish for NULL.
  const given = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
  const missing = [...new Set([...text.matchAll(tokenPattern)].map((m) => m[1] as string))].filter((n) => !(n in given));
  if (missing.length > 0) throw new MissingParameterError(queryName, missing);
  return converter.query(text, given) as { text: string; values: unknown[] };
}
