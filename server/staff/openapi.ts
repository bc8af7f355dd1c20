// OpenAPI description of the staff ticket API (/api/tickets).
import {
  dateTime, json, nullable, ok, pathId, problems, query, ref, session, sessionWrite, type ApiDescription, type Schema,
} from '../openapi/spec.js';
import { STATUSES } from './schema.js';

const status: Schema = { type: 'string', enum: [...STATUSES] };
const version: Schema = { type: 'integer', minimum: 1, description: 'The version you read; a stale one is a 409.' };

const ticketRow: Schema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    status,
    category: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' } } },
    description: { type: 'string' },
    address: { type: 'object', properties: { id: { type: ['integer', 'null'] }, text: { type: ['string', 'null'], description: 'The address as the caller gave it, else the label of the address it was filed at.' } } },
    location: { type: 'object', properties: { lon: { type: 'number' }, lat: { type: 'number' } } },
    executor: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } },
    needs_routing: { type: 'boolean', description: 'No service area covered it, or its executor declined: the contact centre must route it.' },
    routed_by: { type: 'string', enum: ['service_area', 'object', 'default', 'manual'] },
    deadline_class: { type: 'string' },
    source: { type: 'string', enum: ['open311', 'web', 'operator', 'import'] },
    created_at: dateTime,
    updated_at: dateTime,
    accept_due_at: dateTime,
    due_at: dateTime,
    accepted_at: nullable(dateTime),
    done_at: nullable(dateTime),
    closed_at: nullable(dateTime),
    due_in_seconds: { type: ['integer', 'null'], description: 'Seconds to the deadline (negative: overdue); null once done or closed.' },
    accept_due_in_seconds: { type: ['integer', 'null'], description: 'Seconds left to accept; null unless the ticket is new.' },
    overdue: { type: 'boolean' },
    accept_overdue: { type: 'boolean' },
    escalation_level: { type: 'integer' },
    outage_id: { type: ['integer', 'null'] },
    duplicate_of: { type: ['integer', 'null'] },
    version: { type: 'integer' },
  },
};

const ticketEvent: Schema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: dateTime,
    kind: { type: 'string' },
    actor: { type: 'object', properties: { kind: { type: 'string' }, user_id: { type: ['integer', 'null'] }, name: { type: ['string', 'null'] } } },
    from_status: nullable(status),
    to_status: nullable(status),
    note: { type: ['string', 'null'] },
    public: { type: 'boolean' },
    data: { type: 'object' },
  },
};

const ticketDetail: Schema = {
  allOf: [ref('StaffTicket'), {
    type: 'object',
    properties: {
      attributes: { type: 'object' },
      media_url: { type: ['string', 'null'] },
      object_id: { type: ['integer', 'null'] },
      rating: { type: ['integer', 'null'] },
      intake: { type: 'object', properties: { cause: { type: ['string', 'null'] }, premises_access: { type: ['string', 'null'] }, caller_informed: { type: ['boolean', 'null'] } } },
      completion: nullable({ type: 'object', properties: { note: { type: 'string' }, media_url: { type: ['string', 'null'] }, lon: { type: ['number', 'null'] }, lat: { type: ['number', 'null'] } } }),
      contact: {
        type: 'object',
        description: 'The caller. Operators, supervisors and admins see all of it; an executor sees only the phone, while its ticket is open; inspectors and deputies see none (the field is absent).',
        properties: { first_name: { type: ['string', 'null'] }, last_name: { type: ['string', 'null'] }, phone: { type: ['string', 'null'] }, email: { type: ['string', 'null'] } },
      },
      events: { type: 'array', items: ref('TicketEvent') },
      actions: {
        type: 'object',
        description: 'What this user may do now: statuses it may move the ticket to, and whether it may decline or re-route it.',
        properties: { transitions: { type: 'array', items: status }, decline: { type: 'boolean' }, route: { type: 'boolean' } },
      },
    },
  }],
};

const changed: Schema = {
  type: 'object',
  properties: { id: { type: 'integer' }, status, version: { type: 'integer' }, executor_id: { type: 'integer' }, needs_routing: { type: 'boolean' } },
};

const registered: Schema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    token: { type: 'string', format: 'uuid', description: 'Lets the caller follow the ticket (Open311 tokens/{token}).' },
    status,
    category_code: { type: 'string' },
    executor: { type: 'object', properties: { id: { type: 'integer' }, code: { type: 'string' }, name: { type: 'string' }, phone: { type: ['string', 'null'] } } },
    routed_by: { type: 'string' },
    needs_routing: { type: 'boolean' },
    deadline_class: { type: 'string' },
    created_at: dateTime,
    accept_due_at: dateTime,
    due_at: dateTime,
    outage: nullable({ type: 'object', properties: { id: { type: 'integer' }, public_text: { type: 'string' }, ends_at: nullable(dateTime) } }),
    duplicate_of: { type: ['integer', 'null'] },
    service_notice: { type: 'string', description: 'The sentence to read to the caller: who handles it and by when.' },
    duplicate_candidates: { type: 'array', items: { type: 'object' } },
  },
};

const ticketId = pathId('id', 'The ticket number.');

export const staffApi: ApiDescription = {
  tag: { name: 'tickets', description: 'Tickets for staff: list with SLA timers, detail with events, the workflow. An executor sees only the tickets routed to its organisation; any other ticket is a 404.' },
  schemas: { RegisteredTicket: registered, StaffTicket: ticketRow, StaffTicketDetail: ticketDetail, TicketEvent: ticketEvent, TicketChange: changed },
  paths: {
    '/api/tickets': {
      get: {
        operationId: 'listTickets',
        summary: 'Tickets with filters and SLA timers',
        security: session,
        parameters: [
          query('executor', { type: 'integer' }, 'Executor organisation id.'),
          query('category', { type: 'string' }, 'Category code.'),
          query('status', { type: 'string' }, 'Statuses, comma-separated.'),
          query('overdue', { type: 'boolean' }, 'Only tickets past (true) or within (false) their deadline.'),
          query('needs_routing', { type: 'boolean' }, 'Only tickets waiting for the contact centre to route them.'),
          query('bbox', { type: 'string' }, 'west,south,east,north in WGS 84 degrees.'),
          query('q', { type: 'string' }, 'A ticket number (1234 or #1234).'),
          query('sort', { type: 'string', enum: ['created', 'due'] }, 'created: newest first (default); due: nearest deadline first.'),
          query('limit', { type: 'integer', minimum: 1, maximum: 500, default: 50 }, 'Page size.'),
          query('offset', { type: 'integer', minimum: 0, default: 0 }, 'Rows to skip (next_offset of the previous page).'),
        ],
        responses: {
          200: ok('One page.', { type: 'object', properties: { tickets: { type: 'array', items: ref('StaffTicket') }, next_offset: { type: ['integer', 'null'] } } }),
          ...problems(400, 401, 403),
        },
      },
      post: {
        operationId: 'registerTicket',
        summary: 'Operator intake: register a ticket for a caller',
        description: 'Validated and created like every other ticket (routing, deadlines, outage link, duplicate candidates), with source = operator. ' +
          'The caller\'s name, phone and e-mail go to the private contact record. Give lat and lon, address_id, address_string or object_id.',
        security: sessionWrite,
        parameters: [{
          name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 200 },
          description: 'A retry with the same key and body gets the first answer back instead of a second ticket; the same key with another body is a 422.',
        }],
        requestBody: {
          required: true,
          content: json({
            type: 'object', required: ['category'],
            properties: {
              category: { type: 'string', description: 'Category (Open311 service) code.' },
              lat: { type: 'number' }, lon: { type: 'number' },
              address_id: { type: 'integer' }, address_string: { type: 'string', maxLength: 500 }, object_id: { type: 'integer' },
              description: { type: 'string', maxLength: 4000 },
              media_url: { type: 'string', format: 'uri' },
              attributes: { type: 'object', description: 'Category attribute values by code.' },
              first_name: { type: 'string', maxLength: 200 }, last_name: { type: 'string', maxLength: 200 },
              phone: { type: 'string', maxLength: 50 }, email: { type: 'string', maxLength: 320 },
              duplicate_of: { type: 'integer', description: 'The open ticket this call repeats.' },
              deadline_class: { type: 'string', description: 'Overrides the category\'s deadline class.' },
              cause: { type: 'string', maxLength: 1000 },
              premises_access: { type: 'string', maxLength: 1000, description: 'Access to the premises as agreed with the caller.' },
              caller_informed: { type: 'boolean', description: 'The caller was told the deadline.' },
            },
          }),
        },
        responses: { 201: ok('Registered.', ref('RegisteredTicket')), ...problems(400, 401, 403, 422) },
      },
    },
    '/api/tickets/{id}': {
      get: {
        operationId: 'getTicket',
        summary: 'One ticket with all its events',
        security: session,
        parameters: [ticketId],
        responses: { 200: ok('The ticket.', ref('StaffTicketDetail')), ...problems(400, 401, 403, 404) },
      },
    },
    '/api/tickets/{id}/transitions': {
      post: {
        operationId: 'transitionTicket',
        summary: 'Move a ticket to another status',
        description: 'The ticket_transitions table decides who may move what: a role that may never move a ticket to `to` gets 403; ' +
          'one that may, but not from the current status, gets 409. Done needs a completion report; rejected a reason; ' +
          'needs_info the question (note); duplicate the original (duplicate_of). Writes a ticket event.',
        security: sessionWrite,
        parameters: [ticketId],
        requestBody: {
          required: true,
          content: json({
            type: 'object', required: ['to', 'version'],
            properties: {
              to: status,
              note: { type: 'string', maxLength: 4000 },
              reason: { type: 'string', maxLength: 4000 },
              duplicate_of: { type: 'integer' },
              completion: {
                type: 'object', required: ['note'],
                properties: { note: { type: 'string' }, media_url: { type: 'string', format: 'uri' }, lon: { type: 'number' }, lat: { type: 'number' } },
              },
              version,
            },
          }),
        },
        responses: { 200: ok('Moved.', ref('TicketChange')), ...problems(400, 401, 403, 404, 409) },
      },
    },
    '/api/tickets/{id}/decline': {
      post: {
        operationId: 'declineTicket',
        summary: 'Executor: "not ours" — send a new or reopened ticket back to the contact centre for re-routing',
        description: 'The ticket goes to the default executor (the contact centre) with needs_routing = true; its status does not change. The reason is kept in an internal event.',
        security: sessionWrite,
        parameters: [ticketId],
        requestBody: { required: true, content: json({ type: 'object', required: ['reason', 'version'], properties: { reason: { type: 'string', maxLength: 4000 }, version } }) },
        responses: { 200: ok('Declined.', ref('TicketChange')), ...problems(400, 401, 403, 404, 409) },
      },
    },
    '/api/executors': {
      get: {
        operationId: 'listExecutors',
        summary: 'The organisations that take tickets, by name',
        description: 'For the queue\'s executor filter, a manual route and the executor of an outage.',
        security: session,
        responses: {
          200: ok('The executors.', {
            type: 'object',
            properties: { executors: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, code: { type: 'string' }, name: { type: 'string' }, phone: { type: ['string', 'null'] } } } } },
          }),
          ...problems(401, 403),
        },
      },
    },
    '/api/tickets/{id}/route': {
      post: {
        operationId: 'routeTicket',
        summary: 'Operator or supervisor: hand a ticket (new, needs_info or reopened) to an executor',
        description: 'Sets routed_by = manual, clears needs_routing and gives the executor a fresh acceptance window.',
        security: sessionWrite,
        parameters: [ticketId],
        requestBody: { required: true, content: json({ type: 'object', required: ['executor_id', 'version'], properties: { executor_id: { type: 'integer' }, note: { type: 'string' }, version } }) },
        responses: { 200: ok('Routed.', ref('TicketChange')), ...problems(400, 401, 403, 404, 409) },
      },
    },
  },
};
