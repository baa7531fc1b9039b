// The rules bench:alerts and bench:alertsEval evaluate: five condition kinds in turn, every seventh rule with
// "2 times within 5m", all on a Device object and a Value property.
import { normalizeAlert, type AlertRule } from '../../src/core/alerts/rule';
import type { Alert } from '../../src/core/manifest';

export function benchRules(count: number, query: string): AlertRule[] {
  const kinds: Alert['condition'][] = [
    { kind: 'is', op: 'greaterThan', value: 90 },
    { kind: 'becomes', op: 'greaterThan', value: 80 },
    { kind: 'outsideRange', low: 10, high: 90 },
    { kind: 'increasesBy', by: 20, percent: true },
    { kind: 'changes' },
  ];
  return Array.from({ length: count }, (_, i) => normalizeAlert({
    name: `rule${i}`, source: { query, eventTimeColumn: 'Timestamp' },
    object: 'Device', property: 'Value', condition: kinds[i % kinds.length], options: i % 7 === 0 ? { times: 2, within: '5m' } : undefined,
    action: { email: { to: ['ops@contoso.com'] } },
  }, i));
}
