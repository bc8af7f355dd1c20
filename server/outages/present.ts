// What leaves the server about an outage: public fields only (never who entered it), as an object or a GeoJSON feature.

export interface OutageRow {
  id: number;
  utility: string;
  utility_name: string;
  kind: 'planned' | 'emergency';
  status: 'scheduled' | 'active' | 'resolved' | 'cancelled';
  starts_at: Date;
  ends_at: Date | null;
  public_text: string;
  executor_id: number;
  executor_name: string;
  executor_phone: string | null;
  zone_source: 'polygon' | 'line' | 'street_range' | 'addresses';
  zone: unknown;
  buffer_m: number | null;
  source_object_id: number | null;
  street_id: number | null;
  street_name: string | null;
  house_from: number | null;
  house_to: number | null;
  house_parity: 'odd' | 'even' | null;
  address_ids: number[] | null;
  address_count: number;
  version: number;
  updated_at: Date;
}

/** How the zone was given, so the editor can show it again (only the fields of its kind). */
function zoneSource(r: OutageRow) {
  switch (r.zone_source) {
    case 'line':
      return { kind: 'line', buffer_m: r.buffer_m, object_id: r.source_object_id };
    case 'street_range':
      return { kind: 'street_range', street_id: r.street_id, street: r.street_name, house_from: r.house_from, house_to: r.house_to, parity: r.house_parity };
    case 'addresses':
      return { kind: 'addresses', address_ids: r.address_ids };
    default:
      return { kind: 'polygon' };
  }
}

function properties(r: OutageRow) {
  return {
    id: r.id,
    utility: r.utility,
    utility_name: r.utility_name,
    kind: r.kind,
    status: r.status,
    starts_at: r.starts_at.toISOString(),
    ends_at: r.ends_at ? r.ends_at.toISOString() : null,
    public_text: r.public_text,
    executor: { id: r.executor_id, name: r.executor_name, phone: r.executor_phone },
    zone_source: zoneSource(r),
    address_count: r.address_count,
    version: r.version,
    updated_at: r.updated_at.toISOString(),
  };
}

export type PublicOutage = ReturnType<typeof properties> & { zone: unknown };

export function presentOutage(r: OutageRow): PublicOutage {
  return { ...properties(r), zone: r.zone };
}

export function presentOutageFeatures(rows: OutageRow[]) {
  return {
    type: 'FeatureCollection' as const,
    features: rows.map((r) => ({ type: 'Feature' as const, id: r.id, geometry: r.zone, properties: properties(r) })),
  };
}
