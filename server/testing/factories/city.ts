// Test factory: the demo city's reference data without its buildings and tickets (organisations, categories, districts, service areas).
import type { Db } from '../../db/db.js';
import { loadReferenceData } from '../../../fixtures/city.js';
import { demoLayout } from '../../../fixtures/demo-city.js';
import type { CityLayout } from '../../../fixtures/definitions.js';

export interface TestCity {
  layout: CityLayout;
  /** Organisation id by code ('water', 'housing-1', 'contact-centre', …). */
  organisations: Record<string, number>;
  /** District id by position: north-west, north-east, south-west, south-east. */
  districts: number[];
}

/**
 * Loads what routing and listing need over the demo bbox (36.337–36.379 E, 50.0205–50.05 N): every
 * organisation and category of fixtures/definitions.ts, four districts and their service areas,
 * including the railway corridor that outranks the lighting company and the north-west corner no
 * street-light area covers.
 */
export async function createCity(db: Db): Promise<TestCity> {
  const layout = demoLayout();
  await db.transaction((tx) => loadReferenceData(tx, layout));
  const orgs = await db.sql<{ id: number; code: string }>('SELECT id, code FROM organisations');
  const districts = await db.sql<{ id: number }>('SELECT id FROM districts ORDER BY id');
  return {
    layout,
    organisations: Object.fromEntries(orgs.map((o) => [o.code, o.id])),
    districts: districts.map((d) => d.id),
  };
}
