// Who answers for an object and why: the rules of misto_responsible_party() (migrations 0007 and 0015), for routing and the lookup.
import { maybeOne, type Queryable } from '../db/db.js';

/**
 * The organisation code of the city department that answers for disputed, ownerless and
 * unknown objects. Config (MISTO_CITY_DEPARTMENT) is to replace this default; until then every
 * caller uses this one constant.
 */
export const CITY_DEPARTMENT = 'city-infrastructure';

export type ResponsibleReason = 'owner' | 'balance_holder' | 'no_executor' | 'disputed' | 'ownerless' | 'unknown';

export interface ResponsibleParty {
  /** NULL only when the city department named by the code does not exist. */
  organisation_id: number | null;
  reason: ResponsibleReason;
  /** The contending organisation ids while the reason is 'disputed'; null otherwise. */
  disputed_between: number[] | null;
}

/** The responsible party of one object, or undefined if there is no such object. Safe inside any transaction. */
export async function responsibleForObject(tx: Queryable, objectId: number, cityDepartment: string = CITY_DEPARTMENT): Promise<ResponsibleParty | undefined> {
  return maybeOne<ResponsibleParty>(tx, 'ownership/responsible_for_object', { object_id: objectId, city_department: cityDepartment });
}

/** One plain sentence for a reason, naming the organisations. */
export function explainResponsible(reason: ResponsibleReason, names: { owner?: string | null; balanceHolder?: string | null; city?: string | null; disputants?: string[] }): string {
  const city = names.city ?? 'the city department';
  switch (reason) {
    case 'owner': return `${names.owner ?? 'The owner'} is the owner on record.`;
    case 'balance_holder': return `${names.owner ?? 'The owner'} is the owner on record; ${names.balanceHolder ?? 'the balance holder'}, the balance holder, maintains it.`;
    case 'no_executor': return `Neither the owner nor the balance holder on record takes tickets; ${city} answers.`;
    case 'disputed': return `Disputed between ${(names.disputants ?? []).join(' and ') || 'several organisations'}; ${city} answers until an inspector resolves it.`;
    case 'ownerless': return `Ownerless; ${city} answers.`;
    case 'unknown': return `The owner is not known yet (under investigation); ${city} answers.`;
  }
}
