// The pipeline's Activator item in Fabric: found by name in the cloud profile's workspace, created with the
// manifest's rules or updated in place (read its definition, lay Eventline's container over it, check every
// reference, write the whole definition back), and read back for Import. No prompts here: the commands ask.
import { FabricError, type FabricItem, type OperationState } from '../azure/fabric';
import { normalizeAlerts } from '../core/alerts/rule';
import { ruleLimitWarnings } from '../core/alerts/limits';
import {
  buildReflexEntities, entitiesOf, explainReflexError, mergeReflexEntities, reflexDefinition, validateReflexEntities, type ActivatorTarget,
} from '../core/fabric/activator';
import { importReflexRules, type ImportedRules } from '../core/fabric/activatorImport';
import { REFLEX_ITEM_TYPE, reflexUrl, type ReflexEntity } from '../core/fabric/reflexFormat';
import type { Manifest } from '../core/manifest';
import { FABRIC_PORTAL } from '../model/fabric';
import type { PipelineModel } from '../model/pipelineModel';

/** The Activator item's display name for a pipeline. */
export function activatorName(manifest: Manifest): string {
  return `${manifest.name || 'eventline'}-alerts`;
}

export interface DeployPlan {
  name: string;
  target: ActivatorTarget;
  entities: ReflexEntity[];
  rules: string[];
  skipped: { rule: string; reason: string }[];
  /** Rules the manifest has that cannot run at all (its problems). */
  problems: string[];
  warnings: string[];
}

export interface DeployOutcome {
  status: 'created' | 'updated' | 'rejected';
  item?: FabricItem;
  url?: string;
  /** What was sent (the merged entities). */
  entities: ReflexEntity[];
  plan: DeployPlan;
  /** For a rejection: Fabric's message with the entity it names. */
  message?: string;
}

const REJECTIONS = new Set(['FailedToResolveEntity', 'InvalidTemplateInstance', 'RowCountMismatch', 'CorruptedPayload', 'InvalidDefinitionFormat']);

export class ActivatorItems {
  constructor(private readonly model: PipelineModel) {}

  /** The manifest's rules as entities, with what is skipped and what Activator's limits say. */
  plan(manifest: Manifest, target: ActivatorTarget): DeployPlan {
    const { rules, problems } = normalizeAlerts(manifest.alerts);
    if (!rules.length) {
      throw new Error(problems.length
        ? `No alert of eventline.json can be deployed: ${problems.map((p) => p.message).join(' ')}`
        : 'eventline.json has no alerts: add one under "alerts" (or with "Eventline: New Alert") to deploy it to Fabric.');
    }
    const built = buildReflexEntities(manifest.name || 'eventline', rules, target);
    if (!built.ruleIds.size) throw new Error(`None of the alerts has an Activator form: ${built.skipped.map((s) => `"${s.rule}": ${s.reason}`).join(' ')}`);
    return {
      name: activatorName(manifest), target, entities: built.entities,
      rules: [...built.ruleIds.keys()], skipped: built.skipped, problems: problems.map((p) => p.message),
      warnings: ruleLimitWarnings(rules.filter((r) => built.ruleIds.has(r.name))).map((w) => w.message),
    };
  }

  async find(workspaceId: string, name: string, signal?: AbortSignal): Promise<FabricItem | undefined> {
    const items = await this.model.fabric.client().listItems(workspaceId, REFLEX_ITEM_TYPE, signal);
    return items.find((i) => i.displayName === name);
  }

  list(workspaceId: string, signal?: AbortSignal): Promise<FabricItem[]> {
    return this.model.fabric.client().listItems(workspaceId, REFLEX_ITEM_TYPE, signal);
  }

  url(workspaceId: string, itemId: string): string {
    return reflexUrl(FABRIC_PORTAL, workspaceId, itemId);
  }

  /**
   * Creates the item with the plan's entities, or updates the existing one: its entities outside Eventline's
   * container are kept. References are checked before sending; a definition Fabric rejects comes back as a
   * `rejected` outcome whose message names the entity.
   */
  async deploy(plan: DeployPlan, options: { signal?: AbortSignal; onStatus?: (message: string) => void } = {}): Promise<DeployOutcome> {
    const fabric = this.model.fabric.client();
    const { signal, onStatus } = options;
    const onOperation = (s: OperationState) => onStatus?.(`Fabric operation ${s.status}${s.percentComplete !== undefined ? ` (${s.percentComplete}%)` : ''}`);
    const ws = plan.target.workspaceId;
    onStatus?.(`looking for Activator "${plan.name}"`);
    const existing = await this.find(ws, plan.name, signal);
    const current = existing ? await fabric.getItemDefinition(ws, existing.id, { signal, onOperation }) : undefined;
    const entities = current ? mergeReflexEntities(entitiesOf(current), plan.entities) : plan.entities;
    const problems = validateReflexEntities(entities);
    if (problems.length) {
      throw new Error(`The Activator definition for "${plan.name}" has ${problems.length} broken reference${problems.length === 1 ? '' : 's'}; nothing was sent:\n${problems.join('\n')}`);
    }
    const definition = reflexDefinition(entities, current);
    try {
      if (!existing) {
        onStatus?.(`creating Activator "${plan.name}"`);
        const item = await fabric.createItem(ws, { displayName: plan.name, type: REFLEX_ITEM_TYPE, description: 'Alerts deployed by Eventline from eventline.json', definition }, { signal, onOperation });
        return { status: 'created', item, url: this.url(ws, item.id), entities, plan };
      }
      onStatus?.(`updating Activator "${plan.name}"`);
      await fabric.updateItemDefinition(ws, existing.id, definition, { signal, onOperation });
      return { status: 'updated', item: existing, url: this.url(ws, existing.id), entities, plan };
    } catch (e) {
      if (e instanceof FabricError && (REJECTIONS.has(e.errorCode ?? '') || /FailedToResolveEntity|InvalidTemplateInstance/.test(e.message))) {
        return { status: 'rejected', item: existing, entities, plan, message: `Fabric rejected the Activator definition of "${plan.name}": ${explainReflexError(e.message, entities)}` };
      }
      throw e;
    }
  }

  /** The rules of an existing item, as manifest alerts and the ones that stay in the portal. */
  async read(workspaceId: string, item: FabricItem, signal?: AbortSignal): Promise<ImportedRules> {
    const def = await this.model.fabric.client().getItemDefinition(workspaceId, item.id, { signal });
    return importReflexRules(entitiesOf(def));
  }
}
