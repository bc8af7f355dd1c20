// Loads named queries from sql/<feature>/<name>.sql, once each.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const sqlDir = fileURLToPath(new URL('../../sql/', import.meta.url));
const cache = new Map<string, string>();

export function loadQuery(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    if (!/^[a-z0-9_]+(\/[a-z0-9_-]+)+$/.test(name)) throw new Error(`not a query name: ${name}`);
    text = readFileSync(path.join(sqlDir, `${name}.sql`), 'utf8');
    cache.set(name, text);
  }
  return text;
}
