// Open311 api_key: keys from configuration (OPEN311_API_KEYS) and keys issued by an admin (server/auth/api-keys.ts, kept as sha256).
import { createHash, timingSafeEqual } from 'node:crypto';
import { maybeOne, type Queryable } from '../db/db.js';

export interface ApiKeyIdentity {
  /** The api_keys row, or null for a key from configuration. */
  id: number | null;
  name: string;
  /** Names the caller for rate limits and Idempotency-Key scopes without holding the key itself. */
  scope: string;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The caller a key stands for, or undefined when the key is neither configured nor issued (or it is revoked). */
export async function resolveApiKey(q: Queryable, configured: readonly string[], key: string): Promise<ApiKeyIdentity | undefined> {
  const hash = sha256(key);
  const given = Buffer.from(hash, 'hex');
  if (configured.some((k) => timingSafeEqual(Buffer.from(sha256(k), 'hex'), given))) {
    return { id: null, name: 'configured', scope: `open311:${hash.slice(0, 16)}` };
  }
  const row = await maybeOne<{ id: number; name: string }>(q, 'open311/api-key-by-hash', { keyHash: hash });
  return row ? { id: row.id, name: row.name, scope: `open311:${hash.slice(0, 16)}` } : undefined;
}
