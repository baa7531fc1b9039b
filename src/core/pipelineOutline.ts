import type { Manifest, ManifestProblem } from './manifest';

/** A vscode-free description of one tree row; the tree adapter turns it into a TreeItem. */
export interface OutlineNode {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** A codicon id. */
  icon: string;
  /** Drives context menus (`viewItem == …`). */
  contextValue: string;
  children?: OutlineNode[];
  /** For error rows: where to jump in eventline.json. */
  problem?: ManifestProblem;
}

export const ROOT_GROUPS = ['Sources', 'Ingest function', 'Event Hubs', 'Eventhouse', 'Alerts', 'Secrets'] as const;

/** The tree over the whole pipeline, in pipeline order, as far as the manifest alone tells it. */
export function outlineFromManifest(m: Manifest): OutlineNode[] {
  const sources = (m.sources ?? []).map<OutlineNode>((s) => ({
    id: `source/${s.name}`, label: s.name, description: `${s.method ?? 'GET'} ${s.url}`, icon: 'globe', contextValue: 'source',
    tooltip: `${s.name}: ${s.method ?? 'GET'} ${s.url}${s.schedule ? ` every "${s.schedule}"` : ''}${s.hub ? ` → ${s.hub}` : ''}`,
  }));
  const hubs = (m.eventHubs ?? []).map<OutlineNode>((h) => ({
    id: `hub/${h.name}`, label: h.name, description: h.namespace ?? `${h.partitions ?? 4} partitions`, icon: 'symbol-event', contextValue: 'eventHub',
    children: (h.consumerGroups ?? ['$Default']).map((cg) => ({ id: `hub/${h.name}/cg/${cg}`, label: cg, icon: 'organization', contextValue: 'consumerGroup' })),
  }));
  const eh = m.eventhouse;
  const tables = (eh?.tables ?? []).map<OutlineNode>((t) => ({ id: `table/${t.name}`, label: t.name, icon: 'table', contextValue: 'table' }));
  const eventhouse: OutlineNode[] = eh
    ? [{ id: `database/${eh.database ?? 'default'}`, label: eh.database ?? '(database not set)', description: eh.queryUri, icon: 'database', contextValue: 'database', children: tables }]
    : [];
  const alerts = (m.alerts ?? []).map<OutlineNode>((a) => ({ id: `alert/${a.name}`, label: a.name, description: `every ${a.every ?? '5m'}`, icon: 'bell', contextValue: 'alert' }));
  const secrets = (m.sources ?? []).flatMap<OutlineNode>((s) => {
    const ref = s.auth?.secret;
    if (!ref) return [];
    const where = ref.keyVaultSecret ? `Key Vault: ${ref.keyVaultSecret}` : `SecretStorage: ${ref.secretStorage}`;
    return [{ id: `secret/${s.name}`, label: `${s.name} key`, description: where, icon: 'key', contextValue: 'secret' }];
  });
  const group = (label: (typeof ROOT_GROUPS)[number], icon: string, children: OutlineNode[], empty: string): OutlineNode => ({
    id: `group/${label}`, label, icon, contextValue: `group.${label.replace(/\s+/g, '').toLowerCase()}`,
    children: children.length ? children : [{ id: `group/${label}/empty`, label: empty, icon: 'info', contextValue: 'placeholder' }],
  });
  return [
    group('Sources', 'cloud-download', sources, 'No sources in eventline.json'),
    group('Ingest function', 'symbol-method', [], 'Not scaffolded yet'),
    group('Event Hubs', 'radio-tower', hubs, 'No Event Hubs in eventline.json'),
    group('Eventhouse', 'database', eventhouse, 'No Eventhouse in eventline.json'),
    group('Alerts', 'bell', alerts, 'No alerts yet'),
    group('Secrets', 'key', secrets, 'No secret references'),
  ];
}

/** What the tree shows when eventline.json cannot be used: one error row per problem, each opening its place. */
export function outlineFromProblems(problems: ManifestProblem[]): OutlineNode[] {
  return [{
    id: 'manifest-error',
    label: `eventline.json has ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
    description: 'fix them to see the pipeline',
    icon: 'error',
    contextValue: 'manifestError',
    children: problems.map((p, i) => ({
      id: `manifest-error/${i}`, label: p.message, description: `line ${p.line}, column ${p.column}`, icon: 'warning', contextValue: 'manifestProblem', problem: p,
    })),
  }];
}
