// Field errors from the server (problem+json `errors`, Open311 error lists) in the user's language.
import { ApiError } from './api.js';
import { i18n, t } from '../i18n/index.svelte.js';

const RULES: Array<[RegExp, string, string]> = [
  [/is required|required together/i, 'Обов’язкове поле.', 'Required.'],
  [/e-?mail/i, 'Вкажіть адресу електронної пошти, напр. ім’я@example.com.', 'Give an e-mail address, e.g. name@example.com.'],
  [/phone/i, 'Вкажіть номер телефону: цифри, пробіли, + ( ) -.', 'Give a phone number: digits, spaces, + ( ) -.'],
  [/no address matches|no address has/i, 'Адресу не знайдено — позначте точку на мапі.', 'Address not found — mark the point on the map.'],
  [/not a known service code|not a category|no service/i, 'Оберіть категорію зі списку.', 'Choose a category from the list.'],
  [/must be one of|list of values/i, 'Оберіть одне зі значень.', 'Choose one of the values.'],
  [/whole number|must be a number|a number from/i, 'Вкажіть число.', 'Give a number.'],
  [/http or https URL/i, 'Потрібне посилання, що починається з http:// або https://.', 'Give a link starting with http:// or https://.'],
  [/characters|too long|at most/i, 'Текст задовгий або містить недопустимі символи.', 'The text is too long or has characters that are not allowed.'],
  [/date/i, 'Вкажіть правильну дату.', 'Give a valid date.'],
  [/closed; register a new ticket/i, 'Це звернення вже закрите — подайте нове.', 'That ticket is closed — file a new one.'],
  [/polygon|geometry|zone|ring/i, 'Зона накреслена неправильно: перевірте контур.', 'The zone is not valid: check its outline.'],
];

/** One message in the interface language for a server field error. */
export function localiseFieldMessage(message: string): string {
  for (const [pattern, uk, en] of RULES) if (pattern.test(message)) return i18n.locale === 'uk' ? uk : en;
  if (i18n.locale === 'en' && message) return message.charAt(0).toUpperCase() + message.slice(1);
  return i18n.locale === 'uk' ? 'Перевірте це поле.' : 'Check this field.';
}

/**
 * Field errors keyed by the form's field names. `aliases` maps server field names to the form's
 * (Open311's "long" → "lon", "attributes.scope" → "attr.scope").
 */
export function fieldErrors(err: unknown, aliases: Record<string, string> = {}): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const e of err.errors) {
    let field = aliases[e.field] ?? e.field;
    const attr = /^(?:attributes\.|attribute\[)([a-z0-9_-]+)\]?$/.exec(e.field);
    if (attr) field = `attr.${attr[1]}`;
    if (!(field in out)) out[field] = localiseFieldMessage(e.message);
  }
  return out;
}

/** The message for the whole form: offline, rate-limited, or a general failure. */
export function formError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.offline) return t('common.offline');
    if (err.status === 429) return i18n.locale === 'uk' ? 'Забагато запитів. Спробуйте за хвилину — введене збережено.' : 'Too many requests. Try again in a minute — what you typed is kept.';
    if (err.status === 409) return i18n.locale === 'uk' ? 'Дані змінилися, поки ви працювали. Оновіть і спробуйте ще раз.' : 'The data changed meanwhile. Refresh and try again.';
    if (err.status === 403) return t('common.forbidden');
    if (err.errors.length > 0) return t('common.fixErrors');
    if (err.status >= 500) return t('common.error');
    return err.detail ?? err.title;
  }
  return t('common.error');
}
