// Every `contextValue` a row of the Pipeline tree can have. package.json's `view/item/context` menus match these
// (`viewItem == …`); test/unit/contributions.test.ts checks that every value a menu names is one of them.

export const CONTEXT_VALUES = [
  // root groups
  'group.sources', 'group.ingestfunction', 'group.eventhubs', 'group.eventhouse', 'group.alerts', 'group.secrets',
  // manifest rows
  'source', 'alert', 'secret', 'placeholder', 'manifestError', 'manifestProblem',
  // Event Hubs
  'subscription', 'eventHubsNamespace', 'eventHub', 'missingHub', 'partitions', 'partition', 'consumerGroups', 'consumerGroup',
  // Eventhouse
  'fabricWorkspace', 'eventhouse', 'kqlDatabase', 'folder', 'kqlTable', 'kqlColumn', 'kqlFunction', 'ingestionMapping',
  // hub → table connections and the Fabric items that carry them
  'connection', 'eventstreamItem',
  // Ingest function: the entry, its Azure app and facts (deploy), its local run details and problems (#19)
  'ingestFunction', 'functionApp', 'functionInfo', 'functionDetail', 'functionProblem',
  // secrets that need something done (#19)
  'secret.missing', 'secret.deleted', 'secret.disabled',
  // states
  'empty', 'error', 'error.signIn', 'signIn',
  // alert rules that are muted or disabled (#22); other alert rows are 'alert'
  'alert.muted',
] as const;

export type ContextValue = (typeof CONTEXT_VALUES)[number];
