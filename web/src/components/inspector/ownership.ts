// The inspector's API calls (lookup, object, claims, ownerless register) and the shapes they return.
import type { LineString, Point } from 'geojson';
import { api } from '../../lib/api.js';
import { i18n, t } from '../../i18n/index.svelte.js';
import type { MessageKey } from '../../i18n/uk.js';

export type OwnershipStatus = 'owned' | 'disputed' | 'ownerless' | 'under_investigation';
export type Reason = 'owner' | 'balance_holder' | 'no_executor' | 'disputed' | 'ownerless' | 'unknown';
export type ClaimKind = 'ours' | 'not_ours';
export type ClaimRole = 'owner' | 'balance_holder';
export type Stage = 'found' | 'on_record' | 'public_notice' | 'eligible' | 'transferred' | 'owner_found';
export type DangerLevel = 'low' | 'medium' | 'high';

/** The lookup radii the inspector picks from, in metres (the server takes 1 to 500). */
export const LOOKUP_RADII = [10, 25, 50, 100, 250] as const;

export const STAGES: Stage[] = ['found', 'on_record', 'public_notice', 'eligible', 'transferred', 'owner_found'];
export const NEXT_STAGE: Partial<Record<Stage, Stage>> = { found: 'on_record', on_record: 'public_notice', public_notice: 'eligible', eligible: 'transferred' };
/** Ring colours of the register's stages on the map and in the list. */
export const STAGE_COLOURS: Record<Stage, string> = {
  found: '#8e24aa',
  on_record: '#1565c0',
  public_notice: '#00838f',
  eligible: '#d81b60',
  transferred: '#2e7d32',
  owner_found: '#6d4c41',
};

export interface Org {
  id: number;
  code: string;
  name: string;
  kind?: string;
  is_executor?: boolean;
}

export interface Evidence {
  ref: string;
  date: string;
  recorded_by: { id: number; display_name: string } | null;
}

export interface Responsible {
  organisation: Org | null;
  reason: Reason;
  disputed_between: Org[] | null;
}

export interface OpenClaim {
  id: number;
  claim: ClaimKind;
  role: ClaimRole;
  organisation: Org;
  evidence_ref: string;
  evidence_date: string;
  filed_at: string;
}

export interface LookupObject {
  id: number;
  kind: string;
  kind_name_uk: string;
  kind_name_en: string;
  label: string | null;
  geometry: Point | LineString;
  distance_m: number;
  ownership_status: OwnershipStatus;
  owner: Org | null;
  balance_holder: Org | null;
  evidence: Evidence | null;
  open_claims: OpenClaim[];
  responsible: Responsible;
}

export interface ServiceAreaHit {
  id: number;
  name: string;
  category_code: string;
  category_name_uk: string;
  category_name_en: string;
  priority: number;
  routes: boolean;
  executor: Org;
}

export interface LookupAnswer {
  point: { lon: number; lat: number };
  radius_m: number;
  objects: LookupObject[];
  lines: LookupObject[];
  service_areas: ServiceAreaHit[];
  truncated: boolean;
}

export interface ClaimRecord {
  id: number;
  claim: ClaimKind;
  role: ClaimRole;
  evidence_ref: string;
  evidence_date: string;
  filed_at: string;
  organisation: Org;
  filed_by: { id: number; display_name: string } | null;
  resolution: 'accepted' | 'rejected' | null;
  resolution_reason: string | null;
  resolved_at: string | null;
  resolved_by: { id: number; display_name: string } | null;
}

export interface OwnerlessRecord {
  id: number;
  stage: Stage;
  danger_level: DangerLevel;
  found_at: string;
  recorded_at: string | null;
  record_ref: string | null;
  notice_at: string | null;
  notice_ref: string | null;
  eligible_from: string | null;
  transferred_at: string | null;
  court_ref: string | null;
  owner_found_at: string | null;
  note: string | null;
}

export interface ObjectEvent {
  id: number;
  at: string;
  kind: string;
  note: string | null;
  data: Record<string, unknown>;
  actor: { id: number; display_name: string; role: string } | null;
}

export interface ObjectTicket {
  id: number;
  category_code: string;
  category_name_uk: string;
  category_name_en: string;
  status: string;
  created_at: string;
  due_at: string;
  closed_at: string | null;
  executor: Org;
}

export interface ObjectDetail {
  id: number;
  kind: string;
  kind_name_uk: string;
  kind_name_en: string;
  geometry: Point | LineString;
  label: string | null;
  ownership_status: OwnershipStatus;
  version: number;
  owner: Org | null;
  balance_holder: Org | null;
  evidence: Evidence | null;
  ownerless_record: OwnerlessRecord | null;
  responsible: Responsible;
  claims: ClaimRecord[];
  history: ObjectEvent[];
  tickets: ObjectTicket[];
}

export interface RegisterEntry {
  id: number;
  object_id: number;
  kind: string;
  kind_name_uk: string;
  kind_name_en: string;
  label: string | null;
  lon: number;
  lat: number;
  stage: Stage;
  danger_level: DangerLevel;
  found_at: string;
  recorded_at: string | null;
  record_ref: string | null;
  notice_at: string | null;
  notice_ref: string | null;
  eligible_from: string | null;
  year_passed: boolean;
  transferred_at: string | null;
  court_ref: string | null;
  owner_found_at: string | null;
}

export interface ClaimListEntry {
  id: number;
  object_id: number;
  claim: ClaimKind;
  role: ClaimRole;
  evidence_ref: string;
  evidence_date: string;
  filed_at: string;
  organisation: Org;
  resolution: 'accepted' | 'rejected' | null;
  resolution_reason: string | null;
  resolved_at: string | null;
  kind: string;
  kind_name_uk: string;
  kind_name_en: string;
  label: string | null;
  ownership_status: OwnershipStatus;
  lon: number;
  lat: number;
}

export function lookup(lon: number, lat: number, radius: number, signal?: AbortSignal): Promise<LookupAnswer> {
  return api<LookupAnswer>('/api/ownership', { query: { lon: lon.toFixed(7), lat: lat.toFixed(7), radius }, ...(signal ? { signal } : {}) });
}

export function loadObject(id: number): Promise<ObjectDetail> {
  return api<ObjectDetail>(`/api/objects/${id}`);
}

let organisations: Promise<Org[]> | undefined;

export function loadOrganisations(): Promise<Org[]> {
  organisations ??= api<{ organisations: Org[] }>('/api/ownership/organisations')
    .then((b) => b.organisations)
    .catch((err) => {
      organisations = undefined;
      throw err;
    });
  return organisations;
}

export function fileClaim(objectId: number, body: { organisation_id: number | null; claim: ClaimKind; role: ClaimRole; evidence_ref: string; evidence_date: string }) {
  return api<{ claim_id: number; ownership_status: OwnershipStatus }>(`/api/objects/${objectId}/claims`, { method: 'POST', body });
}

export function resolveClaim(claimId: number, body: { resolution: 'accepted' | 'rejected' | null; reason: string }) {
  return api<{ claim_id: number; ownership_status: OwnershipStatus }>(`/api/claims/${claimId}/resolve`, { method: 'POST', body });
}

export function recordOwnerless(body: { object_id: number; danger_level: DangerLevel; note?: string }) {
  return api<{ record_id: number; object_id: number }>('/api/ownerless', { method: 'POST', body });
}

export function advanceRecord(recordId: number, body: { stage: Stage; at?: string; ref?: string }) {
  return api<{ record_id: number; stage: Stage }>(`/api/ownerless/${recordId}/advance`, { method: 'POST', body });
}

export function loadRegister(stage: Stage | null): Promise<{ total: number; entries: RegisterEntry[] }> {
  return api('/api/ownerless', { query: { stage, limit: 5000 } });
}

export function registerExportUrl(format: 'csv' | 'geojson', stage: Stage | null): string {
  return `/api/ownerless?format=${format}${stage ? `&stage=${stage}` : ''}`;
}

export function loadClaims(state: 'standing' | 'resolved'): Promise<{ total: number; claims: ClaimListEntry[] }> {
  return api('/api/ownership/claims', { query: { state, limit: 500 } });
}

/** A message key that may be missing: the raw code when it is. */
export function tr(key: string, vars?: Record<string, string | number>): string {
  const text = t(key as MessageKey, vars);
  return text === key ? key.slice(key.lastIndexOf('.') + 1) : text;
}

export function kindName(o: { kind: string; kind_name_uk?: string; kind_name_en?: string }): string {
  return (i18n.locale === 'en' ? o.kind_name_en : o.kind_name_uk) ?? o.kind;
}

export const statusName = (s: string) => tr(`ownership.${s}`);
export const stageName = (s: string) => tr(`inspector.stage.${s}`);

/** Who answers for an object and why, in the interface language. */
export function explain(o: { owner: Org | null; balance_holder: Org | null; responsible: Responsible }): string {
  const r = o.responsible;
  const unknown = t('inspector.notKnown');
  return t(`inspector.why.${r.reason}` as MessageKey, {
    owner: o.owner?.name ?? unknown,
    holder: o.balance_holder?.name ?? unknown,
    city: r.organisation?.name ?? unknown,
    parties: (r.disputed_between ?? []).map((d) => d.name).join(t('inspector.and')),
  });
}

/** A calendar date (YYYY-MM-DD) as the interface shows dates, without time-zone shifts. */
export function formatDay(day: string | null | undefined): string {
  if (!day) return '—';
  const [y, m, d] = day.slice(0, 10).split('-');
  return i18n.locale === 'uk' ? `${d}.${m}.${y}` : `${d}/${m}/${y}`;
}

/** Today in the browser as YYYY-MM-DD (the latest a document may be dated). */
export function today(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}
