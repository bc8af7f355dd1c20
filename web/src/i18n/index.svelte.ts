// The interface language: Ukrainian first, English on request; kept in localStorage.
import { uk, type MessageKey } from './uk.js';
import { en } from './en.js';
import { setApiLanguage } from '../lib/api.js';

export type Locale = 'uk' | 'en';
const dictionaries: Record<Locale, Record<MessageKey, string>> = { uk, en };

function initial(): Locale {
  const stored = localStorage.getItem('misto.locale');
  if (stored === 'uk' || stored === 'en') return stored;
  return 'uk';
}

export const i18n = $state({ locale: initial() });
setApiLanguage(i18n.locale);
document.documentElement.lang = i18n.locale;

export function setLocale(locale: Locale) {
  i18n.locale = locale;
  localStorage.setItem('misto.locale', locale);
  document.documentElement.lang = locale;
  setApiLanguage(locale);
}

/** The message for key in the current language, with {name} placeholders filled. */
export function t(key: MessageKey, vars?: Record<string, string | number>): string {
  const text = dictionaries[i18n.locale][key] ?? uk[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** Picks name_uk / name_en from a row that has both. */
export function localName(row: { name_uk?: string | null; name_en?: string | null; name?: string | null } | null | undefined): string {
  if (!row) return '';
  return (i18n.locale === 'en' ? row.name_en : row.name_uk) ?? row.name ?? row.name_uk ?? row.name_en ?? '';
}

const intlLocale = () => (i18n.locale === 'uk' ? 'uk-UA' : 'en-GB');

export function formatDateTime(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(intlLocale(), { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function formatDate(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleDateString(intlLocale(), { day: '2-digit', month: '2-digit', year: 'numeric' });
}

export function formatNumber(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return n.toLocaleString(intlLocale(), { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** "2 год 5 хв" / "2 h 5 min" for a duration in milliseconds (sign ignored). */
export function formatDuration(ms: number): string {
  const total = Math.round(Math.abs(ms) / 60_000);
  const d = Math.floor(total / 1440);
  const h = Math.floor((total % 1440) / 60);
  const m = total % 60;
  const parts: string[] = [];
  if (d) parts.push(t('unit.days', { n: d }));
  if (h || d) parts.push(t('unit.hours', { n: h }));
  if (!d) parts.push(t('unit.minutes', { n: m }));
  return parts.join(' ');
}
