// Open311 services and service definitions, made from the categories table.
import type { Queryable } from '../db/db.js';
import type { AttributeDefinition } from '../tickets/validate.js';

interface CategoryRow {
  code: string;
  name_uk: string;
  name_en: string;
  group_code: string;
  keywords: string;
  attributes: AttributeDefinition[];
}

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime';
  keywords: string;
  group: string;
}

export interface Open311Attribute {
  variable: boolean;
  code: string;
  datatype: AttributeDefinition['datatype'];
  required: boolean;
  datatype_description: string | null;
  order: number;
  description: string;
  values?: { key: string; name: string }[];
}

export interface Open311ServiceDefinition {
  service_code: string;
  attributes: Open311Attribute[];
}

/** service_name is the Ukrainian name the city uses; description carries the English one for clients outside Ukraine. */
export async function listServices(q: Queryable): Promise<Open311Service[]> {
  const rows = await q.query<CategoryRow>('open311/services');
  return rows.map((r) => ({
    service_code: r.code,
    service_name: r.name_uk,
    description: r.name_en,
    // A category that asks extra questions has a service definition worth fetching.
    metadata: r.attributes.length > 0,
    type: 'realtime',
    keywords: r.keywords,
    group: r.group_code,
  }));
}

export function presentAttributes(definitions: AttributeDefinition[]): Open311Attribute[] {
  return definitions
    .map((d, i) => ({
      variable: d.variable ?? true,
      code: d.code,
      datatype: d.datatype,
      required: d.required ?? false,
      datatype_description: d.datatype_description ?? null,
      order: d.order ?? i + 1,
      description: d.description,
      ...(d.datatype === 'singlevaluelist' || d.datatype === 'multivaluelist'
        ? { values: (d.values ?? []).map((v) => ({ key: String(v.key), name: v.name })) }
        : {}),
    }))
    .sort((a, b) => a.order - b.order);
}

export async function serviceDefinition(q: Queryable, code: string): Promise<Open311ServiceDefinition | undefined> {
  const [row] = await q.query<{ code: string; attributes: AttributeDefinition[] }>('open311/service', { code });
  return row ? { service_code: row.code, attributes: presentAttributes(row.attributes) } : undefined;
}
