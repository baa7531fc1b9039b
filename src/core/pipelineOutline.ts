import type { Manifest, ManifestProblem } from './manifest';

/** A vscode-free description of one tree row from eventline.json alone; the tree adapter turns it into a TreeItem. */
export interface OutlineNode {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** A codicon id. */
  icon: string;
  /** Drives context menus (`viewItem == …`); one of the tree's ContextValue union. */
  contextValue: 'source' | 'alert' | 'secret' | 'placeholder' | 'manifestError' | 'manifestProblem';
  children?: OutlineNode[];
  /** For error rows: where to jump in eventline.json. */
  problem?: ManifestProblem;
}

export const ROOT_GROUPS = ['Sources', 'Ingest function', 'Event Hubs', 'Eventhouse', 'Alerts', 'Secrets'] as const;
export type RootGroup = (typeof ROOT_GROUPS)[number];

/** What each root group shows when it has nothing. */
export const EMPTY_GROUP: Record<RootGroup, string> = {
  'Sources': 'No sources in eventline.json',
  'Ingest function': 'Not scaffolded yet',
  'Event Hubs': 'No Event Hubs in eventline.json',
  'Eventhouse': 'No Eventhouse in eventline.json',
  'Alerts': 'No alerts yet',
  'Secrets': 'No secret references',
};

/** The rows of the groups that come from the manifest alone (Event Hubs and Eventhouse are discovered live). */
export function manifestRows(m: Manifest, group: 'Sources' | 'Ingest function' | 'Alerts' | 'Secrets'): OutlineNode[] {
  switch (group) {
    case 'Sources':
      return (m.sources ?? []).map((s) => ({
        id: `source/${s.name}`, label: s.name, description: `${s.method ?? 'GET'} ${s.url}`, icon: 'globe', contextValue: 'source',
        tooltip: `${s.name}: ${s.method ?? 'GET'} ${s.url}${s.schedule ? ` every "${s.schedule}"` : ''}${s.hub ? ` → ${s.hub}` : ''}`,
      }));
    case 'Alerts':
      return (m.alerts ?? []).map((a) => ({ id: `alert/${a.name}`, label: a.name, description: `every ${a.source?.every ?? a.every ?? (a.source ? '1m' : '5m')}`, icon: 'bell', contextValue: 'alert' }));
    case 'Secrets':
      return (m.sources ?? []).flatMap<OutlineNode>((s) => {
        const ref = s.auth?.secret;
        if (!ref) return [];
        const where = ref.keyVaultSecret ? `Key Vault: ${ref.keyVaultSecret}` : `SecretStorage: ${ref.secretStorage}`;
        return [{ id: `secret/${s.name}`, label: `${s.name} key`, description: where, icon: 'key', contextValue: 'secret' }];
      });
    case 'Ingest function':
      return [];
  }
}

/** The placeholder row of an empty group. */
export function emptyRow(group: RootGroup): OutlineNode {
  return { id: `group/${group}/empty`, label: EMPTY_GROUP[group], icon: 'info', contextValue: 'placeholder' };
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
