// $name parameters → $1..$n, through node-postgres-named, for both backends alike; each query text converted once.
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

interface Converted {
  /** The names in the text, in the order of $1..$n: node-postgres-named numbers them sorted. */
  names: string[];
  text: string;
}

// The conversion depends on the text alone (every name in it must be given, and extra ones are
// ignored), so it is done once per text: node-postgres-named rescans the text once per parameter
// with a new RegExp each time, on every call. Bounded, as ad-hoc SQL (scripts, tests) is open-ended.
const conversions = new Map<string, Converted>();
const MAX_CONVERSIONS = 2_000;

function convert(text: string): Converted {
  let c = conversions.get(text);
  if (!c) {
    const names = [...new Set([...text.matchAll(tokenPattern)].map((m) => m[1] as string))].sort();
    const { text: positional } = converter.query(text, Object.fromEntries(names.map((n) => [n, null]))) as { text: string };
    c = { names, text: positional };
    if (conversions.size >= MAX_CONVERSIONS) conversions.clear();
    conversions.set(text, c);
  }
  return c;
}

export function toPositional(text: string, params: Record<string, unknown>, queryName: string): { text: string; values: unknown[] } {
  const { names, text: positional } = convert(text);
  // Undefined counts as missing: it is almost always a typo in the caller, never a wish for NULL.
  const missing = names.filter((n) => params[n] === undefined || !Object.hasOwn(params, n));
  if (missing.length > 0) throw new MissingParameterError(queryName, missing);
  return { text: positional, values: names.map((n) => params[n]) };
}
