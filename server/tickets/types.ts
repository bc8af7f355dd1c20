// The shapes intake works with: who acts, what a validated ticket request holds, what intake returns.
import type { Role } from '../auth/middleware.js';

/** Who does something to a ticket: a citizen (by token or anonymously), the system, or a logged-in role. */
export interface Actor {
  kind: 'citizen' | 'system' | Role;
  userId?: number;
}

export type TicketSource = 'open311' | 'web' | 'operator' | 'import';

/** Open311 attribute values: a string or number, or a list for multivaluelist. */
export type AttributeValue = string | number | string[];

/** The reporter's private details; they go to ticket_contacts and never leave through a public endpoint. */
export interface TicketContact {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  deviceId?: string | null;
}

/** A ticket request after validation at the edge (server/tickets/validate.ts): every value is safe to store. */
export interface TicketInput {
  source: TicketSource;
  categoryCode: string;
  /** Where the problem is: given as a point, or the point of the address it was given by. */
  lon: number;
  lat: number;
  addressId?: number | null;
  /** The address as the reporter typed it (Open311 address_string). */
  addressText?: string | null;
  /** A specific infrastructure object (a pole, a manhole): routes to its responsible party. */
  objectId?: number | null;
  description?: string;
  attributes?: Record<string, AttributeValue>;
  mediaUrl?: string | null;
  contact?: TicketContact;
  apiKeyId?: number | null;
  /** The open ticket this one repeats: it is linked to it and its reporter follows the original. */
  duplicateOf?: number | null;
  /** An operator may register a ticket in another deadline class than the category's. */
  deadlineClass?: string | null;
  /** Operator intake: what caused it, whether access to the premises is agreed, whether the caller heard the deadline. */
  cause?: string | null;
  premisesAccess?: string | null;
  callerInformed?: boolean | null;
}

export interface DuplicateCandidate {
  id: number;
  status: string;
  distanceM: number;
  createdAt: Date;
  description: string;
}

export interface RoutingDecision {
  executorId: number;
  executorCode: string;
  executorName: string;
  executorPhone: string | null;
  routedBy: 'service_area' | 'object' | 'default';
  /** True when no service area covered the point and the default executor got the ticket. */
  needsRouting: boolean;
  serviceAreaId: number | null;
  /** Why the object's responsible party was chosen, when routed by object. */
  reason: string | null;
}

export interface CreatedTicket {
  id: number;
  token: string;
  status: string;
  categoryCode: string;
  executor: { id: number; code: string; name: string; phone: string | null };
  routedBy: RoutingDecision['routedBy'];
  needsRouting: boolean;
  deadlineClass: string;
  createdAt: Date;
  acceptDueAt: Date;
  dueAt: Date;
  outage: { outageId: number; publicText: string; endsAt: Date | null } | undefined;
  duplicateOf: number | null;
  /** The citizen-facing sentence: who handles it, by when, and a known outage if there is one. */
  serviceNotice: string;
  /** Open tickets of the same category nearby and recent: offered to the reporter as "is it this one?". */
  duplicateCandidates: DuplicateCandidate[];
}

export type TicketEventKind = 'created' | 'status' | 'routed' | 'escalated' | 'comment' | 'outage_linked' | 'outage_unlinked' |
  'outage_resolved' | 'duplicate_linked' | 'rated' | 'object_linked' | 'acceptance_overdue';
