// Typed references to the pipeline's resources. A reference is plain data: it names a resource and where it
// lives, never holds a client, a token or a port, so a tree row, a tail panel's saved state or a command
// argument can carry one across a pipeline restart or a sign-in. The operations on them are in the model.
import type { KqlConnectionRef } from '../core/kql/schemaSource';

/** Where a hub lives. Local hubs are found through whatever pipeline is running when they are used. */
export type HubLocation =
  | { kind: 'local' }
  | { kind: 'azure'; host: string; subscriptionId?: string; resourceGroup?: string; namespace?: string };

export interface SubscriptionRef { kind: 'subscription'; subscriptionId: string; displayName: string }
export interface NamespaceRef { kind: 'namespace'; subscriptionId: string; resourceGroup: string; name: string; host: string }
export interface HubRef { kind: 'hub'; name: string; location: HubLocation; partitionCount?: number; consumerGroups?: string[] }
export interface PartitionRef { kind: 'partition'; hub: HubRef; partitionId: string }
export interface ConsumerGroupRef { kind: 'consumerGroup'; hub: HubRef; name: string }

export interface FabricWorkspaceRef { kind: 'fabricWorkspace'; workspaceId: string; displayName: string }
export interface EventhouseItemRef { kind: 'eventhouse'; workspaceId: string; itemId: string; displayName: string }
/** A KQL database: `cluster` is a query URI, or `local` for the local pipeline's Eventhouse (whatever its port). */
export interface DatabaseRef extends KqlConnectionRef { kind: 'database' }
export interface TableRef { kind: 'table'; database: DatabaseRef; name: string }

export interface SourceRef { kind: 'source'; name: string }
export interface FunctionRef { kind: 'function'; name: string }
export interface ConnectionRef { kind: 'connection'; name: string; hub: string; table: string; consumerGroup?: string }
export interface AlertRef { kind: 'alert'; name: string }
export interface SecretRef { kind: 'secret'; name: string }

export type PipelineRef =
  | SubscriptionRef | NamespaceRef | HubRef | PartitionRef | ConsumerGroupRef
  | FabricWorkspaceRef | EventhouseItemRef | DatabaseRef | TableRef
  | SourceRef | FunctionRef | ConnectionRef | AlertRef | SecretRef;

/** Anything that carries a reference: tree rows do, so commands take a row or a bare reference alike. */
export interface HasRef { readonly ref: PipelineRef }

function isRef(v: unknown): v is PipelineRef {
  return typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string';
}

/** The reference a command argument stands for: a reference itself, or a row that carries one. */
export function refOf(arg: unknown): PipelineRef | undefined {
  const inner = (arg as Partial<HasRef> | undefined)?.ref;
  if (isRef(inner)) return inner;
  return isRef(arg) ? arg : undefined;
}

/** The hub a reference belongs to (a hub, one of its partitions or consumer groups). */
export function hubOf(ref: PipelineRef | undefined): HubRef | undefined {
  if (!ref) return undefined;
  if (ref.kind === 'hub') return ref;
  if (ref.kind === 'partition' || ref.kind === 'consumerGroup') return ref.hub;
  return undefined;
}

/** The database a reference belongs to (a database or one of its tables). */
export function databaseOf(ref: PipelineRef | undefined): DatabaseRef | undefined {
  if (!ref) return undefined;
  if (ref.kind === 'database') return ref;
  if (ref.kind === 'table') return ref.database;
  return undefined;
}

/** One string per hub, the same for every reference to it. */
export function hubKey(hub: HubRef): string {
  return hub.location.kind === 'local' ? `local|${hub.name}` : `${hub.location.host.toLowerCase()}|${hub.name}`;
}

export function describeHubLocation(hub: HubRef): string {
  return hub.location.kind === 'local' ? 'local pipeline' : hub.location.host;
}
