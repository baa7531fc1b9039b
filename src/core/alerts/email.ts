// The email one firing sends: subject, headline and message with their placeholders filled, the fields listed. One
// function for the local runner (which sends it) and the dry run (which shows what would have been sent).
import type { Firing } from './evaluate';
import { displayValue, fillPlaceholders, UNKNOWN_PLACEHOLDER, type AlertRule, type PlaceholderLookup } from './rule';

export interface OutgoingEmail { to: string[]; cc: string[]; subject: string; text: string; html: string }

/** What a value placeholder reads in the email of a "no data for" firing: there was no value. */
export const NO_DATA = 'no data';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/**
 * The placeholders of a firing. The object column reads the object when the row does not name it (a heartbeat
 * firing may have no row). A "no data for" firing has no row of its own: the object comes from the per-object
 * state, `{value}` and the property column read "no data", and any other column it cannot know (the object was
 * never seen, or the column is not in its last row) reads "no data" rather than a raw `{Column}`. Looked up by name
 * rather than copied into one object per firing: that copy was nine tenths of the cost of an email.
 */
function placeholders(rule: AlertRule, f: Firing): { lookup: PlaceholderLookup; missing?: string } {
  const silent = rule.condition.kind === 'noDataFor';
  const time = new Date(f.time).toISOString();
  const own: Record<string, unknown> = {
    rule: rule.name, object: f.object, value: silent ? NO_DATA : f.value,
    previous: silent && (f.previous === undefined || f.previous === null) ? NO_DATA : f.previous, time,
  };
  const row = f.row;
  const has = (o: object, name: string) => Object.prototype.hasOwnProperty.call(o, name);
  const lookup = (name: string): unknown => {
    if (has(own, name)) return own[name];
    if (silent && name === rule.property?.column) return NO_DATA;
    if (has(row, name)) return row[name];
    if (name === rule.object) return f.object;
    return UNKNOWN_PLACEHOLDER;
  };
  return { lookup, missing: silent ? NO_DATA : undefined };
}

/**
 * One firing's email before it is laid out as text and HTML: what the runner's outbox keeps, written to disk each
 * cycle until it is sent. The facts every email lists first (rule, object, condition, event time) are the outbox
 * entry's own fields, so only the value as shown and the rule's own fields are kept here: listing all of them in
 * each entry was a quarter of the outbox's bytes (bench:alerts' 5,600 firings a cycle).
 */
export interface EmailContent { to: string[]; cc: string[]; subject: string; headline: string; message: string; value: string; fields: [string, string][] }

/** The content as earlier versions kept it in the outbox, every fact listed; still sent as written. */
export interface ListedEmailContent { to: string[]; cc: string[]; subject: string; headline: string; message: string; facts: [string, string][] }

/** What every email's first facts come from: a firing, or the outbox entry it became. */
export interface FiringFacts { rule: string; object: string; reason: string; eventTime: number }

/** The email of one firing: subject, headline and message with their placeholders filled, the fields listed. */
export function emailContent(rule: AlertRule, f: Firing): EmailContent {
  const e = rule.email!;
  const { lookup, missing } = placeholders(rule, f);
  const fill = (template: string) => fillPlaceholders(template, lookup, missing);
  const field = (name: string) => {
    const value = lookup(name);
    return value === UNKNOWN_PLACEHOLDER ? missing ?? '' : displayValue(value);
  };
  return {
    to: e.to, cc: e.cc, subject: fill(e.subject), headline: fill(e.headline), message: fill(e.message),
    value: displayValue(lookup('value')), fields: e.fields.map((name): [string, string] => [name, field(name)]),
  };
}

/** The email as sent: the headline, the message and the facts as plain text and as HTML with every value escaped. */
export function renderEmail(c: EmailContent | ListedEmailContent, firing: FiringFacts): OutgoingEmail {
  const { headline, message } = c;
  const facts = 'facts' in c ? c.facts : [
    ['Rule', firing.rule], ['Object', firing.object], ['Condition', firing.reason], ['Value', c.value], ['Event time', new Date(firing.eventTime).toISOString()],
    ...c.fields,
  ];
  const text = [headline, '', ...(message ? [message, ''] : []), ...facts.map(([k, v]) => `${k}: ${v}`)].join('\n');
  const html = `<h2>${escapeHtml(headline)}</h2>${message ? `<p>${escapeHtml(message)}</p>` : ''}<table>${facts.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
  return { to: c.to, cc: c.cc, subject: c.subject, text, html };
}

export function composeEmail(rule: AlertRule, f: Firing): OutgoingEmail {
  return renderEmail(emailContent(rule, f), { rule: rule.name, object: f.object, reason: f.reason, eventTime: f.time });
}
