// The OpenAPI registry: each feature describes its /api paths in server/<feature>/openapi.ts and adds one line here.
import type { ApiDescription } from './spec.js';
import { authApi, adminApi } from '../auth/openapi.js';
import { staffApi } from '../staff/openapi.js';
import { openApiApi } from './describe.js';

export const apiDescriptions: ApiDescription[] = [
  authApi,
  staffApi,
  adminApi,
  openApiApi,
];
