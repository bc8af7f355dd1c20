// Open311 API keys: separate, revocable, stored as sha256 only; shown to the admin once when made.
import { createHash, randomBytes } from 'node:crypto';
import { maybeOne, one, type Db } from '../db/db.js';
import { setActor } from '../db/actor.js';
import { notFound } from '../http/problem.js';

export interface ApiKeyRow {
  id: number;
  name: string;
  created_at: Date;
  revoked_at: Date | null;
}

/** sha256 (hex) of the key exactly as the client sends it: what api_keys.key_hash holds (server/open311/api-keys.ts checks it). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export async function createApiKey(db: Db, actorUserId: number, name: string, now: Date): Promise<ApiKeyRow & { key: string }> {
  // 32 random bytes: guessing is out of the question, so a fast hash is enough to store it.
  const key = `misto_${randomBytes(32).toString('base64url')}`;
  const row = await db.transaction(async (tx) => {
    await setActor(tx, `user:${actorUserId}`);
    return one<ApiKeyRow>(tx, 'auth/api-key-insert', { keyHash: hashApiKey(key), name, now });
  });
  return { ...row, key };
}

export async function revokeApiKey(db: Db, actorUserId: number, id: number, now: Date): Promise<ApiKeyRow> {
  const row = await db.transaction(async (tx) => {
    await setActor(tx, `user:${actorUserId}`);
    return maybeOne<ApiKeyRow>(tx, 'auth/api-key-revoke', { id, now });
  });
  if (!row) throw notFound(`There is no API key ${id}.`);
  return row;
}

export function listApiKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.query<ApiKeyRow>('auth/api-keys-list');
}
