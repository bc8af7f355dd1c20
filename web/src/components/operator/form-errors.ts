// Field errors of the staff forms (ticket intake, transitions, outages) in the user's language: the server's message for a known field read into our own words, the rest through the app's general rules.
import { ApiError } from '../../lib/api.js';
import { localiseFieldMessage } from '../../lib/errors.js';
import { t } from '../../i18n/index.svelte.js';
import type { MessageKey } from '../../i18n/uk.js';

type Rule = [field: RegExp, message: RegExp, key: MessageKey];

const RULES: Rule[] = [
  [/^ends_at$/, /not after the start/, 'outageEdit.error.endBeforeStart'],
  [/^ends_at$/, /planned work needs/, 'outageEdit.error.plannedNeedsEnd'],
  [/^ends_at$/, /already past/, 'outageEdit.error.endPast'],
  [/^(starts_at|ends_at)$/, /.*/, 'outageEdit.error.time'],
  [/^zone\.(polygon|buffer_m)/, /km²/, 'outageEdit.error.tooLarge'],
  [/^zone\.polygon/, /outside the city/, 'outageEdit.error.outsideCity'],
  [/^zone\.polygon/, /no area|empty|at least 4|three corners/, 'outageEdit.error.tooFewCorners'],
  [/^zone\.polygon/, /.*/, 'outageEdit.error.polygonInvalid'],
  [/^zone\.buffer_m$/, /.*/, 'outageEdit.error.buffer'],
  [/^zone\.line/, /not a network line/, 'outageEdit.error.notLine'],
  [/^zone\.line/, /outside the city/, 'outageEdit.error.outsideCity'],
  [/^zone\.line/, /.*/, 'outageEdit.error.line'],
  [/^zone\.street_id$/, /.*/, 'outageEdit.error.street'],
  [/^zone\.house_(from|to)$/, /has no address/, 'outageEdit.error.noHouses'],
  [/^zone\.house_to$/, /before it starts/, 'outageEdit.error.rangeReversed'],
  [/^zone\.house_(from|to)$/, /.*/, 'outageEdit.error.house'],
  [/^zone$/, /.*/, 'outageEdit.error.zone'],
  [/^executor_id$/, /.*/, 'outageEdit.error.executor'],
  [/^utility$/, /.*/, 'outageEdit.error.utility'],
  [/^public_text$/, /.*/, 'outageEdit.error.text'],
  [/^completion\.media_url$/, /.*/, 'executor.error.photoUrl'],
  [/^completion(\.note)?$/, /.*/, 'executor.error.completionNote'],
  [/^reason$/, /.*/, 'executor.error.reason'],
  [/^note$/, /question/, 'executor.error.question'],
  [/^duplicate_of$/, /.*/, 'operator.error.duplicateOf'],
  [/^category$/, /.*/, 'operator.error.category'],
  [/^address_id$/, /.*/, 'operator.error.address'],
];

/**
 * Field errors by the form's field names: `fieldOf` maps the server's field ("zone.polygon.coordinates[0]")
 * to the form's ("zone"); the first message per form field wins.
 */
export function formFieldErrors(err: unknown, fieldOf: (serverField: string) => string = (f) => f): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const e of err.errors) {
    const rule = RULES.find(([field, message]) => field.test(e.field) && message.test(e.message));
    const field = fieldOf(e.field);
    if (!(field in out)) out[field] = rule ? t(rule[2]) : localiseFieldMessage(e.message);
  }
  return out;
}

/** Whether a photo link is one the server will take (http or https). */
export function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
