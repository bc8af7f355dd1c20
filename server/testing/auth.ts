// loginAs(): a user of a role, logged in through the real POST /api/auth/login, with headers for fetch.
import type { Db } from '../db/db.js';
import type { Role, User } from '../auth/middleware.js';
import { createOrganisation, createUser, TEST_PASSWORD } from './factories/auth.js';

export async function loginAs(
  db: Db,
  baseUrl: string,
  role: Role,
  opts: { organisationId?: number; login?: string } = {},
): Promise<{ user: User; headers: Record<string, string> }> {
  const organisationId = opts.organisationId ?? (role === 'executor' ? (await createOrganisation(db)).id : null);
  const user = await createUser(db, { role, organisationId, ...(opts.login ? { login: opts.login } : {}) });
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: user.login, password: TEST_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`loginAs(${role}): POST /api/auth/login answered ${res.status}: ${await res.text()}`);
  const body = await res.json() as { csrfToken: string };
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c?.startsWith('misto_session='));
  if (!cookie) throw new Error('loginAs: the login answer set no misto_session cookie');
  return { user, headers: { Cookie: cookie, 'X-CSRF-Token': body.csrfToken } };
}
