// Conformance cases for management commands: the command, the result the service's documentation page gives (or
// the part of it a `| project` keeps), and the page. They run in order against one pipeline, after MGMT_SETUP.
import type { Case } from './cases';

const M = 'https://learn.microsoft.com/en-us/kusto/management/';

export interface MgmtCase extends Partial<Case> {
  q: string;
  doc: string;
  /** The request fails, with a message matching this. */
  error?: RegExp;
}

export const MGMT_SETUP: string[] = [
  '.create table MT (x:long, s:string)',
  '.create table D1 (a:long)', '.create table D2 (a:long)', '.create table D3 (a:long)',
  '.create table Src (x:long)', '.create table Dst (x:long)',
  `.alter table Dst policy update @'[{"IsEnabled": true, "Source": "Src", "Query": "Src | where x > 1", "IsTransactional": true}]'`,
];

const ok: unknown[][] = [['eventline-local', 'Succeeded']];
const policy = (name: string, entity: string, json: string, type = 'Table', children = '[]') => [[name, entity, json, children, type]];

export const MGMT_CASES: MgmtCase[] = [
  // ---- caches: nothing to clear here, answered as the service answers
  { q: '.clear database cache streamingingestion schema', cols: 'NodeId:string, Status:string', rows: ok, doc: M + 'data-ingestion/clear-schema-cache-command' },
  { q: '.clear database NetDefaultDB cache streamingingestion schema', rows: ok, doc: M + 'data-ingestion/clear-schema-cache-command' },
  { q: '.clear table MT cache streamingingestion schema', rows: ok, doc: M + 'data-ingestion/clear-schema-cache-command' },
  { q: '.clear table NoSuchTable cache streamingingestion schema', error: /Table 'NoSuchTable' was not found/, doc: M + 'data-ingestion/clear-schema-cache-command' },
  { q: '.clear database cache query_results', cols: 'NodeId:string, Count:long', rows: [['eventline-local', 0]], doc: M + 'clear-query-results-cache-command' },
  // A data management command the SDKs' end-to-end tests send (azure-kusto-node e2eTest.ts); it has no page.
  { q: ".refresh database 'NetDefaultDB' table 'MT' cache ingestionbatchingpolicy", rows: ok, doc: 'https://github.com/Azure/azure-kusto-node/blob/master/packages/azure-kusto-ingest/test/e2eTests/e2eTest.ts' },
  // ---- dropping several tables
  // The tables left, as .drop table answers.
  { q: '.drop tables (D1, D2, Nope) ifexists', cols: 'TableName:string, DatabaseName:string', rows: [['MT', 'NetDefaultDB'], ['D3', 'NetDefaultDB'], ['Src', 'NetDefaultDB'], ['Dst', 'NetDefaultDB']], doc: M + 'drop-table-command' },
  { q: '.drop tables (D3, Nope)', error: /Table 'Nope' was not found/, doc: M + 'drop-table-command' },
  { q: '.show tables | where TableName startswith "D" | project TableName', rows: [['D3'], ['Dst']], doc: M + 'drop-table-command' },
  { q: '.drop table D3 ifexists', rows: [['MT', 'NetDefaultDB'], ['Src', 'NetDefaultDB'], ['Dst', 'NetDefaultDB']], doc: M + 'drop-table-command' },
  { q: '.drop table D3 ifexists', rows: [['MT', 'NetDefaultDB'], ['Src', 'NetDefaultDB'], ['Dst', 'NetDefaultDB']], doc: M + 'drop-table-command' },
  // ---- policies: stored and shown back (which the engine enforces: docs/local-eventhouse.md)
  { q: `.alter table MT policy retention '{"SoftDeletePeriod": "10.00:00:00", "Recoverability": "Disabled"}'`, cols: 'PolicyName:string, EntityName:string, Policy:string, ChildEntities:string, EntityType:string', rows: policy('RetentionPolicy', '[NetDefaultDB].[MT]', '{"SoftDeletePeriod":"10.00:00:00","Recoverability":"Disabled"}'), doc: M + 'alter-table-retention-policy-command' },
  { q: '.alter-merge table MT policy retention softdelete = 30d', rows: policy('RetentionPolicy', '[NetDefaultDB].[MT]', '{"SoftDeletePeriod":"30.00:00:00","Recoverability":"Disabled"}'), doc: M + 'alter-merge-table-retention-policy-command' },
  { q: '.show table MT policy retention | project PolicyName, Policy', rows: [['RetentionPolicy', '{"SoftDeletePeriod":"30.00:00:00","Recoverability":"Disabled"}']], doc: M + 'show-table-retention-policy-command' },
  { q: '.show database NetDefaultDB policy retention | project PolicyName, EntityName, Policy, EntityType', rows: [['RetentionPolicy', '[NetDefaultDB]', 'null', 'Database']], doc: M + 'show-database-retention-policy-command' },
  { q: '.alter-merge database NetDefaultDB policy retention softdelete = 7d recoverability = enabled', rows: policy('RetentionPolicy', '[NetDefaultDB]', '{"SoftDeletePeriod":"7.00:00:00","Recoverability":"Enabled"}', 'Database', '["MT","Src","Dst"]'), doc: M + 'alter-merge-database-retention-policy-command' },
  { q: '.delete table MT policy retention', rows: policy('RetentionPolicy', '[NetDefaultDB].[MT]', 'null'), doc: M + 'delete-table-retention-policy-command' },
  { q: '.alter table MT policy retention softdelete = soon', error: /'soon' is not a timespan/, doc: M + 'alter-table-retention-policy-command' },
  { q: '.alter table MT policy caching hot = 3d', rows: policy('CachingPolicy', '[NetDefaultDB].[MT]', '{"DataHotSpan":"3.00:00:00","IndexHotSpan":"3.00:00:00","HotWindows":[]}'), doc: M + 'alter-table-cache-policy-command' },
  { q: '.show table MT policy caching | project Policy', rows: [['{"DataHotSpan":"3.00:00:00","IndexHotSpan":"3.00:00:00","HotWindows":[]}']], doc: M + 'show-table-cache-policy-command' },
  { q: '.delete table MT policy caching', rows: policy('CachingPolicy', '[NetDefaultDB].[MT]', 'null'), doc: M + 'delete-table-cache-policy-command' },
  // The exact command the SDKs' end-to-end tests send.
  { q: `.alter table MT policy ingestionbatching @'{"MaximumBatchingTimeSpan":"00:00:10", "MaximumNumberOfItems": 500, "MaximumRawDataSizeMB": 1024}'`, rows: policy('IngestionBatchingPolicy', '[NetDefaultDB].[MT]', '{"MaximumBatchingTimeSpan":"00:00:10","MaximumNumberOfItems":500,"MaximumRawDataSizeMB":1024}'), doc: M + 'alter-table-ingestion-batching-policy' },
  { q: `.alter-merge table MT policy ingestionbatching '{"MaximumNumberOfItems": 20}'`, rows: policy('IngestionBatchingPolicy', '[NetDefaultDB].[MT]', '{"MaximumBatchingTimeSpan":"00:00:10","MaximumNumberOfItems":20,"MaximumRawDataSizeMB":1024}'), doc: M + 'alter-merge-table-ingestion-batching-policy' },
  // .alter (not -merge): what is not given takes the default.
  { q: `.alter table MT policy ingestionbatching '{"MaximumNumberOfItems": 30}'`, rows: policy('IngestionBatchingPolicy', '[NetDefaultDB].[MT]', '{"MaximumBatchingTimeSpan":"00:05:00","MaximumNumberOfItems":30,"MaximumRawDataSizeMB":1024}'), doc: M + 'alter-table-ingestion-batching-policy' },
  { q: `.alter table MT policy ingestionbatching '{"MaximumNumberOfItems": -1}'`, error: /positive whole number/, doc: M + 'batching-policy' },
  { q: `.alter table MT policy merge '{"MaxRangeInHours": 24}'`, rows: policy('ExtentsMergePolicy', '[NetDefaultDB].[MT]', '{"MaxRangeInHours":24}'), doc: M + 'alter-table-merge-policy-command' },
  { q: `.alter-merge table MT policy merge '{"Lookback": {"Kind": "Default"}}'`, rows: policy('ExtentsMergePolicy', '[NetDefaultDB].[MT]', '{"MaxRangeInHours":24,"Lookback":{"Kind":"Default"}}'), doc: M + 'alter-merge-table-merge-policy-command' },
  { q: '.show table MT policy sharding | project PolicyName, Policy', rows: [['ExtentsShardingPolicy', 'null']], doc: M + 'show-table-sharding-policy-command' },
  { q: `.alter table MT policy sharding '{}'`, error: /does not set the sharding policy/, doc: M + 'alter-table-sharding-policy-command' },
  { q: '.show tables details | where TableName == "MT" | project MergePolicy, StreamingIngestionPolicy', rows: [['{"MaxRangeInHours":24,"Lookback":{"Kind":"Default"}}', 'null']], doc: M + 'show-tables-command' },
  // ---- what ran
  { q: 'print marker = 1', rows: [[1]], doc: M + 'show-queries-command' },
  { q: '.show queries | where Text == "print marker = 1" | project Text, State, Database', rows: [['print marker = 1', 'Completed', 'NetDefaultDB']], doc: M + 'show-queries-command' },
  { q: '.show commands | where Text startswith ".alter table MT policy caching" | project CommandType, State', rows: [['.alter table', 'Completed']], doc: M + 'commands' },
  { q: '.show commands | where Text startswith ".drop tables (D3" | project State, FailureReason has "Nope"', rows: [['Failed', true]], doc: M + 'commands' },
  { q: '.show commands-and-queries | where Text == "print marker = 1" | project CommandType', rows: [['Query']], doc: M + 'commands-and-queries' },
  // ---- ingestion from a query is an ingestion: the target's update policies run, and async answers with an operation
  { q: '.append Src <| datatable(x:long)[1, 2, 3]', doc: M + 'data-ingestion/ingest-from-query' },
  { q: 'Dst | summarize n = count(), s = sum(x)', rows: [[2, 5]], doc: M + 'update-policy' },
  { q: '.set-or-append async Src <| print x = 7', cols: 'OperationId:guid', doc: M + 'data-ingestion/ingest-from-query' },
  { q: '.show operations | where Operation == "TableSetOrAppend" | project State', rows: [['Completed']], doc: M + 'show-operations' },
  { q: 'Dst | summarize n = count(), s = sum(x)', rows: [[3, 12]], doc: M + 'update-policy' },
  // ---- refused by name
  { q: '.show cluster', error: /does not support the management command '\.show cluster': it runs as one process/, doc: M + 'show-cluster' },
  { q: '.show capacity', error: /'\.show capacity': it has no capacity limits/, doc: M + 'show-capacity-command' },
  { q: '.show diagnostics', error: /'\.show diagnostics'/, doc: M + 'show-diagnostics' },
  { q: '.show table MT extents', error: /not in extents/, doc: M + 'show-extents' },
];
