// Creating users (admin): validated, hashed, an executor bound to an executor organisation.
import { maybeOne, type Db } from '../db/db.js';
import { setActor } from '../db/actor.js';
import { badRequest, conflict, type FieldError } from '../http/problem.js';
import { hashPassword } from './password.js';
import { ROLES, toUser, type Role, type User, type UserRow } from './middleware.js';

export const MIN_PASSWORD_LENGTH = 12;

export interface NewUser {
  login: string;
  displayName: string;
  role: Role;
  organisationId: number | null;
  password: string;
}

export function parseNewUser(body: unknown): NewUser {
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  const login = typeof b.login === 'string' ? b.login.trim().toLowerCase() : '';
  if (!/^[a-z0-9._@-]{3,64}$/.test(login)) errors.push({ field: 'login', message: '3 to 64 of a-z, 0-9, . _ @ -' });
  const displayName = typeof b.display_name === 'string' ? b.display_name.trim() : '';
  if (displayName === '' || displayName.length > 200) errors.push({ field: 'display_name', message: 'a name of 1 to 200 characters' });
  const role = b.role as Role;
  if (!ROLES.includes(role)) errors.push({ field: 'role', message: `one of ${ROLES.join(', ')}` });
  let organisationId: number | null = null;
  if (b.organisation_id !== undefined && b.organisation_id !== null) {
    if (typeof b.organisation_id !== 'number' || !Number.isInteger(b.organisation_id) || b.organisation_id < 1 || b.organisation_id > 2_147_483_647) {
      errors.push({ field: 'organisation_id', message: 'an organisation id' });
    } else {
      organisationId = b.organisation_id;
    }
  }
  if (role === 'executor' && organisationId === null && !errors.some((e) => e.field === 'organisation_id')) {
    errors.push({ field: 'organisation_id', message: 'an executor acts for one executor organisation' });
  }
  const password = b.password;
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH || password.length > 1000) {
    errors.push({ field: 'password', message: `${MIN_PASSWORD_LENGTH} to 1000 characters` });
  }
  if (errors.length > 0) throw badRequest('The user is not valid.', errors);
  return { login, displayName, role, organisationId, password: password as string };
}

export async function createUserAccount(db: Db, actorUserId: number, u: NewUser, now: Date): Promise<User> {
  // Hash before the transaction: 50 ms of scrypt should not hold a connection and its locks.
  const passwordHash = await hashPassword(u.password);
  const row = await db.transaction(async (tx) => {
    await setActor(tx, `user:${actorUserId}`);
    if (u.organisationId !== null && !(await maybeOne(tx, 'auth/organisation-exists', { id: u.organisationId, executorOnly: u.role === 'executor' }))) {
      throw badRequest('No such organisation.', [{ field: 'organisation_id', message: u.role === 'executor' ? 'an organisation that takes tickets' : 'an organisation' }]);
    }
    return maybeOne<UserRow>(tx, 'auth/user-insert', {
      login: u.login, displayName: u.displayName, role: u.role, organisationId: u.organisationId, passwordHash, now,
    });
  });
  if (!row) throw conflict(`The login ${u.login} is taken.`);
  return toUser(row);
}
