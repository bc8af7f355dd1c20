// Test factories for people and the tickets they work on: organisations, users, categories, tickets (plain SQL, no intake).
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/db.js';
import { hashPassword } from '../../auth/password.js';
import type { Role, User } from '../../auth/middleware.js';

/** Every factory user has this password unless told otherwise. */
export const TEST_PASSWORD = 'correct horse battery staple';

// One scrypt hash per process: a test file that makes thirty users should not spend 1.5 s hashing.
let testPasswordHash: Promise<string> | undefined;

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface OrganisationRow {
  id: number;
  code: string;
  name: string;
}

export async function createOrganisation(db: Queryable, opts: { code?: string; name?: string; kind?: string; isExecutor?: boolean } = {}): Promise<OrganisationRow> {
  const code = opts.code ?? unique('org');
  const [row] = await db.sql<OrganisationRow>(
    `INSERT INTO organisations (code, name, kind, is_executor) VALUES ($code, $name, $kind, $isExecutor)
     RETURNING id, code, name`,
    { code, name: opts.name ?? `Організація ${code}`, kind: opts.kind ?? 'utility', isExecutor: opts.isExecutor ?? true },
  );
  return row!;
}

/** The contact centre's own organisation (code 'contact-centre', the default executor), made once. */
export async function ensureContactCentre(db: Queryable, code = 'contact-centre'): Promise<OrganisationRow> {
  const [existing] = await db.sql<OrganisationRow>('SELECT id, code, name FROM organisations WHERE code = $code', { code });
  return existing ?? createOrganisation(db, { code, name: 'Контакт-центр', kind: 'contact_centre' });
}

export async function createUser(db: Queryable, opts: { role: Role; organisationId?: number | null; login?: string; password?: string; displayName?: string; disabled?: boolean }): Promise<User> {
  const login = opts.login ?? unique(opts.role);
  const passwordHash = opts.password === undefined
    ? await (testPasswordHash ??= hashPassword(TEST_PASSWORD))
    : await hashPassword(opts.password);
  const [row] = await db.sql<{ id: number }>(
    `INSERT INTO users (login, display_name, role, organisation_id, password_hash, disabled)
     VALUES ($login, $displayName, $role, $organisationId, $passwordHash, $disabled) RETURNING id`,
    { login, displayName: opts.displayName ?? `Test ${opts.role}`, role: opts.role, organisationId: opts.organisationId ?? null, passwordHash, disabled: opts.disabled ?? false },
  );
  return { id: row!.id, login, displayName: opts.displayName ?? `Test ${opts.role}`, role: opts.role, organisationId: opts.organisationId ?? null };
}

export async function createCategory(db: Queryable, opts: { code?: string; deadlineClass?: string; groupCode?: string } = {}): Promise<{ code: string }> {
  const code = opts.code ?? unique('cat');
  await db.sql(
    `INSERT INTO categories (code, name_uk, name_en, group_code, deadline_class)
     VALUES ($code, $code, $code, $groupCode, $deadlineClass)`,
    { code, groupCode: opts.groupCode ?? 'test', deadlineClass: opts.deadlineClass ?? 'short' },
  );
  return { code };
}

export interface TicketRow {
  id: number;
  status: string;
  executor_id: number;
  version: number;
}

/** A ticket straight into the table, with optional private contact details. */
export async function createTicket(db: Queryable, opts: {
  categoryCode: string;
  executorId: number;
  status?: string;
  createdAt?: Date;
  acceptDueAt?: Date;
  dueAt?: Date;
  lon?: number;
  lat?: number;
  description?: string;
  deadlineClass?: string;
  contact?: { firstName?: string; lastName?: string; phone?: string; email?: string };
}): Promise<TicketRow> {
  const createdAt = opts.createdAt ?? new Date('2026-11-23T08:00:00Z');
  const [row] = await db.sql<TicketRow>(
    `INSERT INTO tickets (category_code, status, description, location, source, executor_id, routed_by,
                          deadline_class, created_at, updated_at, accept_due_at, due_at)
     VALUES ($categoryCode, $status, $description, ST_SetSRID(ST_MakePoint($lon, $lat), 4326), 'import', $executorId, 'manual',
             $deadlineClass, $createdAt, $createdAt, $acceptDueAt, $dueAt)
     RETURNING id, status, executor_id, version`,
    {
      categoryCode: opts.categoryCode, status: opts.status ?? 'new', description: opts.description ?? 'Не світить ліхтар',
      lon: opts.lon ?? 36.3, lat: opts.lat ?? 50.0, executorId: opts.executorId, deadlineClass: opts.deadlineClass ?? 'short',
      createdAt, acceptDueAt: opts.acceptDueAt ?? new Date(createdAt.getTime() + 10 * 60_000),
      dueAt: opts.dueAt ?? new Date(createdAt.getTime() + 24 * 3600_000),
    },
  );
  if (opts.contact) {
    await db.sql(
      `INSERT INTO ticket_contacts (ticket_id, first_name, last_name, phone, email)
       VALUES ($ticketId, $firstName, $lastName, $phone, $email)`,
      { ticketId: row!.id, firstName: opts.contact.firstName ?? null, lastName: opts.contact.lastName ?? null, phone: opts.contact.phone ?? null, email: opts.contact.email ?? null },
    );
  }
  return row!;
}
