export interface KustoColumn { name: string; type: string }

/** Parses Kusto's CSL schema text `a:string, b:long` (column names may be bracket-quoted). */
export function parseCslSchema(schema: string): KustoColumn[] {
  const out: KustoColumn[] = [];
  const re = /\s*(\['(?:[^'\\]|\\.)*'\]|\["(?:[^"\\]|\\.)*"\]|[^:,]+)\s*:\s*([A-Za-z0-9_.]+)\s*,?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(schema)) !== null) {
    let name = m[1].trim();
    if (name.startsWith('[')) name = name.slice(2, -2);
    out.push({ name, type: m[2] });
  }
  return out;
}

/** `['name']` quoting for identifiers that need it. */
export function bracket(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/** A `.create table` script for a table's columns. */
export function createTableScript(table: string, columns: KustoColumn[]): string {
  return `.create table ${bracket(table)} (${columns.map((c) => `${bracket(c.name)}: ${c.type}`).join(', ')})`;
}
