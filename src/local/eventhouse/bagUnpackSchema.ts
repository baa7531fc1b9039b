// bag_unpack without an output schema: the service decides its columns at run time from the bags' slots. The local
// engine looks at the data first (bagSlotsSql) and translates the query again with the schema that data gives.
import { bracket } from '../../core/kustoNames';
import type { BagUnpackSite } from './translate';
import { KustoUserError } from './types';

/** SQL giving each slot of the site's bags, in name order, with the JSON types of its non-null values. */
export function bagSlotsSql(site: BagUnpackSite): string {
  return `SELECT e.key, coalesce(array_to_string(list(DISTINCT json_type(e.value)) FILTER (WHERE json_type(e.value) <> 'NULL'), ','), '')
      FROM (SELECT unnest(map_entries(TRY_CAST(b AS MAP(VARCHAR, JSON)))) AS e FROM (${site.sql}) AS _s) AS _e GROUP BY e.key ORDER BY e.key`;
}

const KINDS: Record<string, string> = { VARCHAR: 'string', BIGINT: 'long', UBIGINT: 'long', DOUBLE: 'real', BOOLEAN: 'bool' };

/**
 * The query with the schema of one bag_unpack written in, from bagSlotsSql's rows: a column per slot, named prefix +
 * slot and typed by its values (one type, or dynamic if they differ; nulls ignored), sorted by name ahead of the
 * input's columns, as the plugin's page shows them.
 */
export function withBagUnpackSchema(text: string, site: BagUnpackSite, rows: unknown[][]): string {
  const slots: { name: string; type: string }[] = [];
  const replaced: string[] = [];
  for (const [key, types] of rows) {
    const name = site.prefix + String(key);
    const ts = [...new Set(String(types).split(',').filter(Boolean).map((t) => KINDS[t] ?? 'dynamic'))];
    if (site.inputColumns.includes(name)) {
      if (site.conflict === 'keep_source') continue;
      if (site.conflict !== 'replace_source') throw new KustoUserError('BadRequest', `bag_unpack: the slot '${String(key)}' would be a column '${name}', which its input already has. Add columnsConflict='replace_source' or 'keep_source', or a prefix.`);
      replaced.push(name);
    }
    slots.push({ name, type: ts.length === 1 ? ts[0] : 'dynamic' });
  }
  const schema = ` : (*${slots.map((c) => `, ${bracket(c.name)}:${c.type}`).join('')})${slots.length ? ` | project-reorder ${slots.map((c) => bracket(c.name)).join(', ')}` : ''}`;
  const before = replaced.length ? `project-away ${replaced.map(bracket).join(', ')} | ` : '';
  return text.slice(0, site.evaluateStart) + before + text.slice(site.evaluateStart, site.callEnd) + schema + text.slice(site.callEnd);
}
