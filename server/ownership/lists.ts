// The lists the inspector's screen picks from: organisations a claim can name, and ownership claims across the city.
import type { Queryable } from '../db/db.js';

export interface OrganisationChoice {
  id: number;
  code: string;
  name: string;
  kind: string;
  is_executor: boolean;
}

export function listOrganisations(q: Queryable): Promise<OrganisationChoice[]> {
  return q.query<OrganisationChoice>('ownership/organisations_list', {});
}

export const CLAIM_STATES = ['standing', 'resolved', 'all'] as const;
export type ClaimState = (typeof CLAIM_STATES)[number];
export const CLAIMS_PAGE = { min: 1, max: 1000, fallback: 200 } as const;

export interface ClaimListEntry {
  id: number;
  object_id: number;
  claim: 'ours' | 'not_ours';
  role: 'owner' | 'balance_holder';
  evidence_ref: string;
  evidence_date: string;
  filed_at: Date;
  organisation: { id: number; code: string; name: string };
  resolution: 'accepted' | 'rejected' | null;
  resolution_reason: string | null;
  resolved_at: Date | null;
  kind: string;
  kind_name_uk: string;
  kind_name_en: string;
  label: string | null;
  ownership_status: string;
  lon: number;
  lat: number;
}

/** Claims in one state, latest first; total counts them all. */
export async function listClaims(q: Queryable, state: ClaimState, limit: number): Promise<{ total: number; claims: ClaimListEntry[] }> {
  const rows = await q.query<ClaimListEntry & { total: number }>('ownership/claims_list', {
    standing: state === 'all' ? null : state === 'standing', limit,
  });
  return { total: Number(rows[0]?.total ?? 0), claims: rows.map(({ total: _total, ...c }) => c) };
}
