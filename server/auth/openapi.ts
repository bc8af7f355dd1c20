// OpenAPI description of /api/auth (login, logout, me) and /api/admin (API keys, users).
import {
  dateTime, json, noContent, nullable, ok, pathId, problems, ref, session, sessionWrite, type ApiDescription,
} from '../openapi/spec.js';
import { ROLES } from './middleware.js';
import { MIN_PASSWORD_LENGTH } from './users.js';

const user = {
  type: 'object',
  required: ['id', 'login', 'displayName', 'role', 'organisationId'],
  properties: {
    id: { type: 'integer' },
    login: { type: 'string' },
    displayName: { type: 'string' },
    role: { type: 'string', enum: [...ROLES] },
    organisationId: { type: ['integer', 'null'], description: 'The executor organisation an executor acts for.' },
  },
};

const sessionAnswer = {
  type: 'object',
  required: ['user', 'csrfToken', 'expiresAt'],
  properties: {
    user: ref('User'),
    csrfToken: { type: 'string', description: 'Send it as X-CSRF-Token on every write.' },
    expiresAt: dateTime,
  },
};

export const authApi: ApiDescription = {
  tag: { name: 'auth', description: 'Logging in and out; the session cookie and its CSRF token.' },
  schemas: { User: user, Session: sessionAnswer },
  paths: {
    '/api/auth/login': {
      post: {
        operationId: 'login',
        summary: 'Log in',
        description: 'Sets the httpOnly session cookie misto_session. Wrong logins and passwords get the same 401. ' +
          'Five wrong passwords in a row lock the login for 15 minutes (429); one address may try 30 times a minute.',
        requestBody: {
          required: true,
          content: json({
            type: 'object', required: ['login', 'password'],
            properties: { login: { type: 'string', maxLength: 200 }, password: { type: 'string', maxLength: 1000 } },
          }),
        },
        responses: { 200: ok('Logged in.', ref('Session')), ...problems(400, 401, 415, 429) },
      },
    },
    '/api/auth/logout': {
      post: {
        operationId: 'logout',
        summary: 'Log out (ends the session; harmless without one)',
        security: sessionWrite,
        responses: { 204: noContent, ...problems(403) },
      },
    },
    '/api/auth/me': {
      get: {
        operationId: 'me',
        summary: 'The logged-in user and the CSRF token of the session',
        security: session,
        responses: { 200: ok('The session.', ref('Session')), ...problems(401) },
      },
    },
  },
};

const apiKey = {
  type: 'object',
  required: ['id', 'name', 'created_at', 'revoked_at'],
  properties: { id: { type: 'integer' }, name: { type: 'string' }, created_at: dateTime, revoked_at: nullable(dateTime) },
};

export const adminApi: ApiDescription = {
  tag: { name: 'admin', description: 'Open311 API keys and users (role admin).' },
  schemas: { ApiKey: apiKey },
  paths: {
    '/api/admin/api-keys': {
      get: {
        operationId: 'listApiKeys',
        summary: 'Every API key (without the keys)',
        security: session,
        responses: { 200: ok('The keys.', { type: 'object', properties: { api_keys: { type: 'array', items: ref('ApiKey') } } }), ...problems(401, 403) },
      },
      post: {
        operationId: 'createApiKey',
        summary: 'Create an Open311 API key; the key is in this answer only',
        security: sessionWrite,
        requestBody: { required: true, content: json({ type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 200 } } }) },
        responses: {
          201: ok('The key; only its sha256 is stored.', { allOf: [ref('ApiKey'), { type: 'object', required: ['key'], properties: { key: { type: 'string' } } }] }),
          ...problems(400, 401, 403),
        },
      },
    },
    '/api/admin/api-keys/{id}': {
      delete: {
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key (Open311 POSTs with it are refused from now on)',
        security: sessionWrite,
        parameters: [pathId('id', 'The API key id.')],
        responses: { 204: noContent, ...problems(400, 401, 403, 404) },
      },
    },
    '/api/admin/users': {
      get: {
        operationId: 'listUsers',
        summary: 'Every user (without password hashes)',
        security: session,
        responses: { 200: ok('The users.', { type: 'object', properties: { users: { type: 'array', items: { type: 'object' } } } }), ...problems(401, 403) },
      },
      post: {
        operationId: 'createUser',
        summary: 'Create a user',
        security: sessionWrite,
        requestBody: {
          required: true,
          content: json({
            type: 'object', required: ['login', 'display_name', 'role', 'password'],
            properties: {
              login: { type: 'string', pattern: '^[a-z0-9._@-]{3,64}$' },
              display_name: { type: 'string', maxLength: 200 },
              role: { type: 'string', enum: [...ROLES] },
              organisation_id: { type: ['integer', 'null'], description: 'Required for an executor: the executor organisation.' },
              password: { type: 'string', minLength: MIN_PASSWORD_LENGTH, maxLength: 1000 },
            },
          }),
        },
        responses: { 201: ok('Created.', { type: 'object', properties: { user: ref('User') } }), ...problems(400, 401, 403, 409) },
      },
    },
  },
};
