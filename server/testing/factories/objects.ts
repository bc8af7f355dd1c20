// Test factories for infrastructure objects and what surrounds them: the city department, objects, claims, districts, service areas (plain SQL).
import type { Queryable } from '../../db/db.js';
import { CITY_DEPARTMENT } from '../../ownership/responsible.js';
import { createOrganisation, type OrganisationRow } from './auth.js';

/** The city department that answers for disputed, ownerless and unknown objects, made once. */
export async function ensureCityDepartment(db: Queryable, code = CITY_DEPARTMENT): Promise<OrganisationRow> {
  const [existing] = await db.sql<OrganisationRow>('SELECT id, code, name FROM organisations WHERE code = $code', { code });
  return existing ?? createOrganisation(db, { code, name: 'Департамент міської інфраструктури', kind: 'city_department' });
}

export interface ObjectRow {
  id: number;
  version: number;
}

/** An object straight into the table: a point at lon/lat, or a line through `line`. */
export async function createObject(db: Queryable, opts: {
  kind?: string;
  lon?: number;
  lat?: number;
  line?: [number, number][];
  label?: string;
  ownerId?: number | null;
  balanceHolderId?: number | null;
  status?: 'owned' | 'disputed' | 'ownerless' | 'under_investigation';
  evidenceRef?: string;
  evidenceDate?: string;
} = {}): Promise<ObjectRow> {
  const geometry = opts.line
    ? { type: 'LineString', coordinates: opts.line }
    : { type: 'Point', coordinates: [opts.lon ?? 36.3, opts.lat ?? 50.0] };
  const holder = opts.ownerId != null || opts.balanceHolderId != null;
  const [row] = await db.sql<ObjectRow>(
    `INSERT INTO objects (kind, geom, label, owner_id, balance_holder_id, ownership_status, evidence_ref, evidence_date)
     VALUES ($kind, ST_SetSRID(ST_GeomFromGeoJSON($geometry::text), 4326), $label, $ownerId, $balanceHolderId, $status, $evidenceRef, $evidenceDate::date)
     RETURNING id, version`,
    {
      kind: opts.kind ?? (opts.line ? 'water_line' : 'manhole'),
      geometry: JSON.stringify(geometry),
      label: opts.label ?? null,
      ownerId: opts.ownerId ?? null,
      balanceHolderId: opts.balanceHolderId ?? null,
      status: opts.status ?? (holder ? 'owned' : 'under_investigation'),
      evidenceRef: opts.evidenceRef ?? (holder ? 'Акт приймання-передачі № 1' : null),
      evidenceDate: opts.evidenceDate ?? (holder ? '2020-01-15' : null),
    },
  );
  return row!;
}

/** A standing claim straight into the table (no status change: that is the logic's job). */
export async function createClaim(db: Queryable, opts: { objectId: number; organisationId: number; claim?: 'ours' | 'not_ours'; role?: 'owner' | 'balance_holder' }): Promise<{ id: number }> {
  const [row] = await db.sql<{ id: number }>(
    `INSERT INTO ownership_claims (object_id, organisation_id, claim, role, evidence_ref, evidence_date)
     VALUES ($objectId, $organisationId, $claim, $role, 'Лист № 7', '2026-01-10') RETURNING id`,
    { objectId: opts.objectId, organisationId: opts.organisationId, claim: opts.claim ?? 'ours', role: opts.role ?? 'owner' },
  );
  return row!;
}

/** A square polygon of `size` degrees centred on lon/lat, as EWKT. */
export function square(lon: number, lat: number, size: number): string {
  const h = size / 2;
  return `SRID=4326;MULTIPOLYGON(((${lon - h} ${lat - h},${lon + h} ${lat - h},${lon + h} ${lat + h},${lon - h} ${lat + h},${lon - h} ${lat - h})))`;
}

export async function createDistrict(db: Queryable, opts: { name?: string; lon: number; lat: number; size?: number }): Promise<{ id: number }> {
  const [row] = await db.sql<{ id: number }>('INSERT INTO districts (name, geom) VALUES ($name, $geom) RETURNING id', {
    name: opts.name ?? `District ${Math.random().toString(36).slice(2, 8)}`, geom: square(opts.lon, opts.lat, opts.size ?? 0.1),
  });
  return row!;
}

/** A category that can be about the given object kinds. */
export async function createObjectCategory(db: Queryable, opts: { code: string; objectKinds: string[]; deadlineClass?: string }): Promise<{ code: string }> {
  await db.sql(
    `INSERT INTO categories (code, name_uk, name_en, group_code, deadline_class, object_kinds)
     VALUES ($code, $code, $code, 'test', $deadlineClass, $kinds::jsonb)`,
    { code: opts.code, deadlineClass: opts.deadlineClass ?? 'short', kinds: JSON.stringify(opts.objectKinds) },
  );
  return { code: opts.code };
}

export async function createServiceArea(db: Queryable, opts: { executorId: number; categoryCode: string; lon: number; lat: number; size?: number; priority?: number; name?: string }): Promise<{ id: number }> {
  const [row] = await db.sql<{ id: number }>(
    `INSERT INTO service_areas (executor_id, category_code, priority, name, geom) VALUES ($executorId, $categoryCode, $priority, $name, $geom) RETURNING id`,
    { executorId: opts.executorId, categoryCode: opts.categoryCode, priority: opts.priority ?? 0, name: opts.name ?? '', geom: square(opts.lon, opts.lat, opts.size ?? 0.01) },
  );
  return row!;
}
