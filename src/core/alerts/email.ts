// The email one firing sends: subject, headline and message with their placeholders filled, the fields listed. One
// function for the local runner (which sends it) and the dry run (which shows what would have been sent).
import type { Firing } from './evaluate';
import { displayValue, fillPlaceholders, type AlertRule } from './rule';

export interface OutgoingEmail { to: string[]; cc: string[]; subject: string; text: string; html: string }

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** The email of one firing: subject, headline and message with their placeholders filled, the fields listed. */
export function composeEmail(rule: AlertRule, f: Firing): OutgoingEmail {
  const e = rule.email!;
  const values: Record<string, unknown> = { ...f.row, rule: rule.name, object: f.object, value: f.value, previous: f.previous, time: new Date(f.time).toISOString() };
  const subject = fillPlaceholders(e.subject, values);
  const headline = fillPlaceholders(e.headline, values);
  const message = fillPlaceholders(e.message, values);
  const facts: [string, string][] = [['Rule', rule.name], ['Object', f.object], ['Condition', f.reason], ['Value', displayValue(f.value)], ['Event time', new Date(f.time).toISOString()],
    ...e.fields.map((name): [string, string] => [name, displayValue(f.row[name])])];
  const text = [headline, '', ...(message ? [message, ''] : []), ...facts.map(([k, v]) => `${k}: ${v}`)].join('\n');
  const html = `<h2>${escapeHtml(headline)}</h2>${message ? `<p>${escapeHtml(message)}</p>` : ''}<table>${facts.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
  return { to: e.to, cc: e.cc, subject, text, html };
}
