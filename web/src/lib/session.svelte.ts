// Who is logged in (GET /api/auth/me), logging in and out, and which screens a role may open.
import { api, ApiError, setCsrfToken } from './api.js';

export type Role = 'operator' | 'executor' | 'supervisor' | 'inspector' | 'deputy' | 'admin';

export interface User {
  id: number;
  login: string;
  displayName: string;
  role: Role;
  organisationId: number | null;
}

interface SessionAnswer {
  user: User;
  csrfToken: string;
}

export const session = $state<{ user: User | null; loaded: boolean }>({ user: null, loaded: false });

function accept(answer: SessionAnswer | null) {
  session.user = answer?.user ?? null;
  setCsrfToken(answer?.csrfToken ?? null);
  session.loaded = true;
}

export async function loadSession(): Promise<void> {
  try {
    accept(await api<SessionAnswer>('/api/auth/me'));
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 404)) accept(null);
    else session.loaded = true;
  }
}

export async function logIn(login: string, password: string): Promise<User> {
  const answer = await api<SessionAnswer>('/api/auth/login', { method: 'POST', body: { login, password } });
  accept(answer);
  return answer.user;
}

export async function logOut(): Promise<void> {
  try {
    await api('/api/auth/logout', { method: 'POST' });
  } finally {
    accept(null);
  }
}

/** Screens by role; admin sees them all. */
const SCREENS: Record<string, Role[]> = {
  operator: ['operator', 'supervisor'],
  executor: ['executor'],
  inspector: ['inspector'],
  dashboard: ['supervisor', 'deputy'],
};

export function canOpen(screen: keyof typeof SCREENS | string, user: User | null = session.user): boolean {
  if (!user) return false;
  if (user.role === 'admin') return true;
  return SCREENS[screen]?.includes(user.role) ?? false;
}

/** Where a role lands after logging in. */
export function homeFor(user: User): string {
  switch (user.role) {
    case 'operator': return '/operator';
    case 'executor': return '/executor';
    case 'inspector': return '/inspector';
    case 'supervisor':
    case 'deputy': return '/dashboard';
    default: return '/operator';
  }
}
