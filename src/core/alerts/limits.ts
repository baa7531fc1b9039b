// Activator's action limits, as warnings before a rule is deployed: Fabric throttles or cancels emails beyond them.
// Source: fabric-docs docs/real-time-intelligence/data-activator/activator-limitations.md ("Maximum number of
// actions", ms.date 04/17/2026; MicrosoftDocs/fabric-docs 05be089): Email, messages/activator item/hour 500;
// messages/rule/recipient/hour 30; and "up to 10,000 incoming events per second per rule" (Activator stops the rule).
import type { AlertRule } from './rule';

export const ACTIVATOR_LIMITS = {
  emailsPerItemPerHour: 500,
  emailsPerRulePerRecipientPerHour: 30,
  eventsPerSecondPerRule: 10_000,
  page: 'https://learn.microsoft.com/fabric/real-time-intelligence/data-activator/activator-limitations',
} as const;

const HOUR = 3_600_000;

export interface LimitWarning {
  rule?: string;
  /** Where in the rule the fix goes: cooldown, options, condition (for a diagnostic on eventline.json). */
  field?: 'cooldown' | 'options' | 'condition';
  message: string;
}

/**
 * The most emails one object can make a rule send in an hour, from the rule alone: a value arrives at most once
 * per evaluation (or per aggregation window); a state condition can fire on each, a transition on every other
 * one; "times" needs n detections; "stays for" fires once per run of true values; a cooldown spaces firings.
 */
export function maxFiringsPerObjectPerHour(rule: AlertRule): number {
  const cond = rule.condition;
  const c = cond.kind;
  const step = rule.property?.aggregation?.windowMs ?? rule.source.everyMs;
  let gap: number;
  // A heartbeat fires once per silence, and a silence lasts at least its duration.
  if (cond.kind === 'noDataFor' || cond.kind === 'firstDataAfter') gap = Math.max(cond.durationMs, step);
  else if (rule.occurrence.kind === 'staysFor') gap = Math.max(rule.occurrence.periodMs, step) + step;
  else if (rule.occurrence.kind === 'times') gap = step * rule.occurrence.n;
  else if (c === 'becomes' || c === 'entersRange' || c === 'leavesRange' || c === 'changesFrom' || c === 'changesTo' || c === 'changesFromTo') gap = 2 * step;
  else gap = step;
  if (rule.cooldownMs > gap) gap = rule.cooldownMs;
  return Math.floor(HOUR / Math.max(1, gap));
}

/** Warnings from the rules as written: a rule that can send one recipient more than 30 emails in an hour. */
export function ruleLimitWarnings(rules: AlertRule[]): LimitWarning[] {
  const out: LimitWarning[] = [];
  const L = ACTIVATOR_LIMITS;
  for (const rule of rules) {
    if (!rule.email || rule.condition.kind === 'everyValue') continue;
    const perObject = maxFiringsPerObjectPerHour(rule);
    if (perObject > L.emailsPerRulePerRecipientPerHour) {
      const minutes = Math.ceil(HOUR / L.emailsPerRulePerRecipientPerHour / 60_000);
      out.push({
        rule: rule.name, field: 'cooldown',
        message: `Alert "${rule.name}" can email each recipient up to ${perObject} times an hour for one object; Activator sends at most ${L.emailsPerRulePerRecipientPerHour} emails per rule per recipient per hour and throttles or cancels the rest. Add a cooldown of at least ${minutes}m, or use a "becomes" condition or a "stays for" option.`,
      });
    }
  }
  return out;
}

export interface SentEmail { rule: string; time: number; to: string[]; cc: string[] }

/**
 * Warnings from emails that would have been sent (a dry run): the hours where one rule sent one recipient more
 * than 30, or all the rules together (one Activator item) sent more than 500.
 */
export function historyLimitWarnings(emails: SentEmail[]): LimitWarning[] {
  const L = ACTIVATOR_LIMITS;
  const perRecipient = new Map<string, number>();
  const perItem = new Map<number, number>();
  for (const e of emails) {
    const hour = Math.floor(e.time / HOUR) * HOUR;
    perItem.set(hour, (perItem.get(hour) ?? 0) + 1);
    for (const r of new Set([...e.to, ...e.cc].map((a) => a.toLowerCase()))) {
      const key = JSON.stringify([e.rule, r, hour]);
      perRecipient.set(key, (perRecipient.get(key) ?? 0) + 1);
    }
  }
  const out: LimitWarning[] = [];
  const worst = new Map<string, { recipient: string; hour: number; count: number; hours: Set<number> }>();
  for (const [key, count] of perRecipient) {
    if (count <= L.emailsPerRulePerRecipientPerHour) continue;
    const [rule, recipient, hour] = JSON.parse(key) as [string, string, number];
    const w = worst.get(rule);
    if (!w) worst.set(rule, { recipient, hour, count, hours: new Set([hour]) });
    else {
      w.hours.add(hour);
      if (count > w.count) Object.assign(w, { recipient, hour, count });
    }
  }
  for (const [rule, w] of worst) {
    out.push({ rule, field: 'cooldown', message: `Alert "${rule}" would have sent ${w.recipient} ${w.count} emails in the hour from ${new Date(w.hour).toISOString().slice(0, 16)}Z (${w.hours.size} hour${w.hours.size === 1 ? '' : 's'} over the limit); Activator sends at most ${L.emailsPerRulePerRecipientPerHour} per rule per recipient per hour.` });
  }
  const overItem = [...perItem].filter(([, n]) => n > L.emailsPerItemPerHour).sort((a, b) => b[1] - a[1]);
  if (overItem.length) {
    out.push({ message: `The alerts together would have sent ${overItem[0][1]} emails in the hour from ${new Date(overItem[0][0]).toISOString().slice(0, 16)}Z (${overItem.length} hour${overItem.length === 1 ? '' : 's'} over the limit); one Activator item sends at most ${L.emailsPerItemPerHour} emails an hour.` });
  }
  return out;
}
