// Writes a dashboard as `.kqldash` text: two-space JSON with the keys always in one order and each tile's position
// on one line, so moving a tile or pinning one changes only the lines it touches.
import { DASHBOARD_FORMAT_VERSION, type Dashboard, type DashboardParameter, type Tile } from './format';

export function serializeDashboard(d: Dashboard): string {
  const out: string[] = [];
  out.push('{');
  const top: string[] = [
    `  "version": ${DASHBOARD_FORMAT_VERSION}`,
    `  "title": ${JSON.stringify(d.title)}`,
    `  "autoRefresh": ${JSON.stringify(d.autoRefresh)}`,
    `  "parameters": ${list(d.parameters.map((p) => parameter(p, '      ')), '  ')}`,
    `  "pages": ${list(d.pages.map((page) => obj([
      ['name', JSON.stringify(page.name)],
      ['tiles', list(page.tiles.map((t) => tile(t, '          ')), '      ')],
    ], '      ')), '  ')}`,
  ];
  out.push(top.join(',\n'));
  out.push('}');
  return out.join('\n') + '\n';
}

function parameter(p: DashboardParameter, indent: string): string {
  if (p.kind === 'timeRange') return obj([['kind', q(p.kind)], ['name', q(p.name)], ['default', q(p.default)]], indent);
  const fields: [string, string][] = [['kind', q(p.kind)], ['name', q(p.name)], ['variable', q(p.variable)], ['type', q(p.type)], ['multi', String(p.multi)]];
  if (p.dataSource !== undefined) fields.push(['dataSource', q(p.dataSource)]);
  if (p.query !== undefined) fields.push(['query', q(p.query)]);
  if (p.values !== undefined) fields.push(['values', JSON.stringify(p.values)]);
  if (p.default !== undefined) fields.push(['default', JSON.stringify(p.default)]);
  return obj(fields, indent);
}

function tile(t: Tile, indent: string): string {
  const p = t.position;
  return obj([
    ['id', q(t.id)], ['title', q(t.title)], ['dataSource', q(t.dataSource)], ['visual', q(t.visual)],
    ['position', `{ "x": ${p.x}, "y": ${p.y}, "width": ${p.width}, "height": ${p.height} }`],
    ['query', q(t.query)],
  ], indent);
}

const q = (s: string): string => JSON.stringify(s);

/** An object whose members sit at `indent` and whose closing brace sits two spaces left of it. */
function obj(fields: [string, string][], indent: string): string {
  const close = indent.slice(2);
  return `{\n${fields.map(([k, v]) => `${indent}${JSON.stringify(k)}: ${v}`).join(',\n')}\n${close}}`;
}

function list(items: string[], indent: string): string {
  if (!items.length) return '[]';
  return `[\n${items.map((i) => `${indent}  ${i}`).join(',\n')}\n${indent}]`;
}
