// The ownership lookup: what is at or near a spot, who owns and maintains it, and who answers for it.
import { one, type Queryable } from '../db/db.js';
import { badRequest } from '../http/problem.js';
import { explainResponsible, type ResponsibleReason } from './responsible.js';

export const LOOKUP_RADIUS = { min: 1, max: 500, fallback: 25 } as const;
/** At most this many point objects and this many lines in one answer. */
export const LOOKUP_LIMIT = 100;

interface NamedOrg {
  id: number;
  code: string;
  name: string;
}

interface LookupObject {
  id: number;
  owner: NamedOrg | null;
  balance_holder: NamedOrg | null;
  responsible: { organisation: NamedOrg | null; reason: ResponsibleReason; disputed_between: NamedOrg[] | null; why?: string };
  [key: string]: unknown;
}

interface LookupRow {
  inside_city: boolean;
  objects: LookupObject[];
  lines: LookupObject[];
  truncated: boolean;
  service_areas: unknown[];
}

export interface LookupAnswer {
  point: { lon: number; lat: number };
  radius_m: number;
  objects: LookupObject[];
  lines: LookupObject[];
  service_areas: unknown[];
  truncated: boolean;
}

function explained(o: LookupObject): LookupObject {
  const r = o.responsible;
  return {
    ...o,
    responsible: {
      ...r,
      why: explainResponsible(r.reason, {
        owner: o.owner?.name, balanceHolder: o.balance_holder?.name, city: r.organisation?.name,
        disputants: r.disputed_between?.map((d) => d.name),
      }),
    },
  };
}

/** One statement (sql/ownership/lookup.sql); 400 when the point is outside the city. Inputs are already range-checked. */
export async function lookupOwnership(q: Queryable, at: { lon: number; lat: number; radius: number }, cityDepartment: string): Promise<LookupAnswer> {
  const row = await one<LookupRow>(q, 'ownership/lookup', {
    lon: at.lon, lat: at.lat, radius: at.radius, limit: LOOKUP_LIMIT, city_department: cityDepartment,
  });
  if (!row.inside_city) {
    throw badRequest('The point is outside the city.', [{ field: 'lon', message: 'outside the city: more than about 5 km from every district' }, { field: 'lat', message: 'outside the city' }]);
  }
  return {
    point: { lon: at.lon, lat: at.lat },
    radius_m: at.radius,
    objects: row.objects.map(explained),
    lines: row.lines.map(explained),
    service_areas: row.service_areas,
    truncated: row.truncated,
  };
}
