// What Power BI Desktop opens: the Azure Data Explorer (Kusto) connector's Power Query (M) formula, and the Kusto
// UI deep link ("Copy Query URI").
//
// Facts (specs/functions-fabric-activator.md §7.2): `AzureDataExplorer.Contents(cluster, database, query,
// [MaxRows, MaxSize, NoTruncate, AdditionalSetStatements])`, with DirectQuery chosen in the connector dialog; a
// `.pbids` file has no documented protocol for this connector, so none is written. The deep link is the Kusto
// "UI deep links" format: https://<cluster>/<database>?query=<base64(gzip(text))>&web=1.
import { gzipSync } from 'node:zlib';
import { END_TIME, START_TIME, TIME_PRESET_MS, parameterVariables, referencedVariables, type Dashboard } from './format';
import { defaultValues, kqlLiteral } from './parameters';

/** An M text literal: quotes doubled, `#(` and control characters as M escapes, so any query stays one literal. */
export function mText(s: string): string {
  const body = s
    .replace(/#\(/g, '#(#)(')
    .replace(/"/g, '""')
    .replace(/\r\n/g, '#(cr,lf)')
    .replace(/\n/g, '#(lf)')
    .replace(/\r/g, '#(cr)')
    .replace(/\t/g, '#(tab)');
  return `"${body}"`;
}

/** `query` null: the database itself (Power BI's navigator lists its tables). */
export interface PowerQuerySource { cluster: string; database: string; query: string | null; title: string; notes?: string[] }

/** The steps shown beside the formula (in the file, the notification and the docs). */
export const POWER_BI_STEPS = [
  'In Power BI Desktop: Home → Get data → Blank query, then Advanced Editor; replace its text with this formula and select Done.',
  'When asked, sign in with an organizational account, and pick DirectQuery for the connectivity mode (Apply).',
];

/** The `.pq` file: the steps as comments, then the formula. */
export function powerQueryFile(src: PowerQuerySource): string {
  const comments = [
    `// ${src.title}: Azure Data Explorer (Kusto) connector, DirectQuery. Written by Eventline.`,
    ...POWER_BI_STEPS.map((s, i) => `// ${i + 1}. ${s}`),
    ...(src.notes ?? []).map((n) => `// Note: ${n}`),
  ];
  return `${comments.join('\n')}\n${powerQueryFormula(src)}\n`;
}

export function powerQueryFormula(src: PowerQuerySource): string {
  return [
    'let',
    `    Source = AzureDataExplorer.Contents(${mText(src.cluster)}, ${mText(src.database)}, ${src.query === null ? 'null' : mText(src.query)}, [MaxRows = null, MaxSize = null, NoTruncate = null, AdditionalSetStatements = null])`,
    'in',
    '    Source',
  ].join('\n');
}

/**
 * A tile's query for use outside the dashboard: the parameters it uses become `let` statements with their
 * defaults, the time range relative to now (`ago(…)`, `now()`) so the report keeps moving.
 */
export function standaloneQuery(query: string, d: Dashboard): string {
  const declared = new Set(d.parameters.flatMap(parameterVariables));
  const used = referencedVariables(query, declared);
  if (!used.length) return query;
  const values = defaultValues(d);
  const lets = used.map((name) => {
    const p = d.parameters.find((x) => parameterVariables(x).includes(name))!;
    if (p.kind === 'timeRange') return name === START_TIME ? `let ${START_TIME} = ago(${TIME_PRESET_MS[p.default] / 60_000}m);` : `let ${END_TIME} = now();`;
    const v = values.selected[p.variable];
    if (p.multi) return `let ${name} = dynamic([${(Array.isArray(v) ? v : v ? [v] : []).map((x) => kqlLiteral(p, x).replace(/^(long|real|bool)\((.*)\)$/, '$2')).join(', ')}]);`;
    const one = Array.isArray(v) ? v[0] : v;
    return `let ${name} = ${one === undefined ? (p.type === 'string' ? '""' : `${p.type}(null)`) : kqlLiteral(p, one)};`;
  });
  return `${lets.join('\n')}\n${query}`;
}

/** The Kusto UI deep link that opens `query` against `database` in the web UI (the query gzip+base64 encoded). */
export function queryDeepLink(cluster: string, database: string, query: string): string {
  const base = cluster.replace(/\/+$/, '');
  const encoded = gzipSync(Buffer.from(query, 'utf8')).toString('base64');
  return `${base}/${encodeURIComponent(database)}?query=${encodeURIComponent(encoded)}&web=1`;
}
