// Test factories for the dashboard: a ticket with its whole life (accepted, done, closed) and an outage with telephonograms.
import type { Queryable } from '../../db/db.js';
import { createTicket } from './auth.js';

export interface LifeTicket {
  categoryCode: string;
  executorId: number;
  status: string;
  createdAt: string;
  dueAt: string;
  acceptedAt?: string;
  doneAt?: string;
  closedAt?: string;
}

/** A ticket at any point of its life, with the timestamps the dashboard reads. */
export async function createLifeTicket(db: Queryable, t: LifeTicket): Promise<number> {
  const createdAt = new Date(t.createdAt);
  const row = await createTicket(db, {
    categoryCode: t.categoryCode,
    executorId: t.executorId,
    status: t.status,
    createdAt,
    dueAt: new Date(t.dueAt),
    acceptDueAt: new Date(createdAt.getTime() + 10 * 60_000),
  });
  await db.sql(
    `UPDATE tickets SET accepted_at = $acceptedAt::timestamptz, done_at = $doneAt::timestamptz, closed_at = $closedAt::timestamptz WHERE id = $id`,
    { id: row.id, acceptedAt: t.acceptedAt ?? null, doneAt: t.doneAt ?? null, closedAt: t.closedAt ?? null },
  );
  return row.id;
}

/** A street with `count` addresses along it (about 30 m apart), for outages and address searches. */
export async function createStreetWithAddresses(db: Queryable, opts: { name: string; count: number; lon?: number; lat?: number }): Promise<number[]> {
  const lon = opts.lon ?? 36.35;
  const lat = opts.lat ?? 50.03;
  const [street] = await db.sql<{ id: number }>(
    `INSERT INTO streets (name, geom) VALUES ($name, ST_Multi(ST_MakeLine(ST_SetSRID(ST_MakePoint($lon, $lat), 4326), ST_SetSRID(ST_MakePoint($lon + 0.01, $lat), 4326)))) RETURNING id`,
    { name: opts.name, lon, lat },
  );
  const ids: number[] = [];
  for (let i = 1; i <= opts.count; i++) {
    const [a] = await db.sql<{ id: number }>(
      `INSERT INTO addresses (street_id, house_number, label, point)
       VALUES ($streetId, $house, $label, ST_SetSRID(ST_MakePoint($lon, $lat), 4326)) RETURNING id`,
      { streetId: street!.id, house: String(i), label: `${opts.name} ${i}`, lon: lon + i * 0.0004, lat: lat + 0.0001 },
    );
    ids.push(a!.id);
  }
  return ids;
}

/** An outage over a box around the given addresses, with a live telephonogram for each of them. */
export async function createOutageWithTelephonograms(db: Queryable, o: {
  executorId: number; utility?: string; kind?: 'planned' | 'emergency'; status: string; startsAt: string; endsAt?: string | null;
  publicText: string; addressIds: number[];
}): Promise<number> {
  const [row] = await db.sql<{ id: number }>(
    `INSERT INTO outages (utility, kind, executor_id, status, starts_at, ends_at, public_text, zone_source, zone)
     SELECT $utility, $kind, $executorId, $status, $startsAt::timestamptz, $endsAt::timestamptz, $publicText, 'polygon',
            ST_Multi(ST_Expand(ST_Collect(a.point), 0.0003))
     FROM addresses a WHERE a.id IN (SELECT jsonb_array_elements_text($addressIds::jsonb)::int)
     RETURNING id`,
    {
      utility: o.utility ?? 'water', kind: o.kind ?? 'planned', executorId: o.executorId, status: o.status, startsAt: o.startsAt,
      endsAt: o.endsAt ?? null, publicText: o.publicText, addressIds: JSON.stringify(o.addressIds),
    },
  );
  await db.sql(
    `INSERT INTO telephonograms (outage_id, address_id, text, attached_at)
     SELECT $outageId, a::int, $text, $at::timestamptz FROM jsonb_array_elements_text($addressIds::jsonb) AS a`,
    { outageId: row!.id, text: o.publicText, at: o.startsAt, addressIds: JSON.stringify(o.addressIds) },
  );
  return row!.id;
}
