// Which database a schema command works on: the tree row it ran from, else a pick with the active profile's first.
import { prompts, type Choice } from '../common/prompt';
import { LOCAL_CLUSTER, sameCluster } from '../core/kql/connect';
import type { PipelineModel } from '../model/pipelineModel';
import { databaseOf, refOf, type DatabaseRef } from '../model/refs';

export function describeCluster(cluster: string): string {
  if (cluster === LOCAL_CLUSTER) return 'local Eventhouse';
  try { return new URL(cluster).host; } catch { return cluster; }
}

export function describeTarget(ref: DatabaseRef, uri?: string): string {
  return `${ref.database} on ${ref.cluster === LOCAL_CLUSTER ? `the local Eventhouse${uri ? ` (${uri})` : ''}` : ref.cluster}`;
}

export async function pickDatabase(model: PipelineModel, arg: unknown, title: string): Promise<DatabaseRef> {
  const fromArg = databaseOf(refOf(arg));
  if (fromArg) return fromArg;
  const preferred = model.eventhouse.defaultDatabase();
  const items = (async () => {
    const out: Choice<DatabaseRef>[] = [];
    const seen = new Set<string>();
    const add = (ref: DatabaseRef, note?: string) => {
      const canonical = model.eventhouse.canonical(ref);
      const key = `${canonical.cluster.toLowerCase()}|${canonical.database}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ label: canonical.database, description: [describeCluster(canonical.cluster), note].filter(Boolean).join(' · '), value: canonical });
    };
    if (preferred) add(preferred, 'active profile');
    try {
      await model.eventhouse.allDatabases((row) => add(row.ref));
    } catch (e) {
      // The profile's own database is enough to go on; without it the failure is the answer.
      if (!preferred) throw e;
    }
    if (!out.length) throw new Error('No KQL database to work on: set "eventhouse.database" (and "queryUri" for a cloud profile) in eventline.json.');
    return out;
  })();
  return prompts.pick(items, { title, placeHolder: 'Which database?', matchOnDescription: true });
}

export function sameDatabase(a: DatabaseRef, b: DatabaseRef): boolean {
  return a.database === b.database && sameCluster(a.cluster, b.cluster);
}
