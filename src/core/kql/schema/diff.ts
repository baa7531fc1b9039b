// The difference between the schema in `kql/` and a live database, as the commands that make the database match:
// create-merge for tables and new columns, create-or-alter for mappings, functions and materialized views, alter
// for policies. Nothing is dropped or retyped unless the caller passes it back among the chosen removals.
import {
  functionKey, mappingKey, materializedViewKey, normalizeKql, updatePolicyKey, type EventhouseSchema, type FunctionDef, type SourceLocation,
} from './model';
import {
  alterColumnType, alterStreamingIngestion, alterUpdatePolicy, clearUpdatePolicy, createMergeTable, createOrAlterFunction, createOrAlterMapping,
  dropColumns, dropFunction, dropMapping, dropMaterializedView, dropTable, materializedViewCommand,
} from './render';

export type StepKind =
  | 'table' | 'columns' | 'streaming-policy' | 'mapping' | 'function' | 'update-policy' | 'materialized-view' | 'pass-through'
  | 'drop-table' | 'drop-columns' | 'alter-column-type' | 'drop-mapping' | 'drop-function' | 'drop-materialized-view' | 'clear-update-policy';

export interface PlanStep {
  kind: StepKind;
  /** What the step is about, e.g. "table Readings". */
  object: string;
  /** Why it runs, e.g. "new table, 7 columns" or "adds columns Humidity, Pressure". */
  summary: string;
  command: string;
  /** The block of kql/ it comes from. */
  at?: SourceLocation;
  /** Loses data or definitions: only run when the user ticks it. */
  destructive: boolean;
}

export interface SchemaPlan {
  /** What the deploy runs, in an order where each command finds what it needs. */
  steps: PlanStep[];
  /** What the database has and kql/ does not (or declares differently in a way create-merge cannot fix). */
  removals: PlanStep[];
  /** Declared objects that already match. */
  unchanged: string[];
  /** Problems that stop the deploy: a mapping for a table nobody declares, an update policy from an unknown table. */
  errors: string[];
  /** Things the user should know that do not stop the deploy. */
  notes: string[];
}

export interface PlanOptions {
  /** The target cannot hold materialized views (the local Eventhouse): they are left out with a note. */
  materializedViews?: boolean;
}

const where = (at: SourceLocation | undefined) => (at ? ` (${at.file}:${at.line})` : '');

export function planSchema(desired: EventhouseSchema, live: EventhouseSchema, options: PlanOptions = {}): SchemaPlan {
  const plan: SchemaPlan = { steps: [], removals: [], unchanged: [], errors: [], notes: [] };
  const liveTables = new Map(live.tables.map((t) => [t.name, t]));
  const desiredTables = new Map(desired.tables.map((t) => [t.name, t]));
  const tableKnown = (name: string) => desiredTables.has(name) || liveTables.has(name);
  const step = (s: Omit<PlanStep, 'destructive'>) => plan.steps.push({ ...s, destructive: false });
  const removal = (s: Omit<PlanStep, 'destructive'>) => plan.removals.push({ ...s, destructive: true });

  for (const t of desired.tables) {
    const have = liveTables.get(t.name);
    if (!have) {
      step({ kind: 'table', object: `table ${t.name}`, summary: `new table, ${t.columns.length} column${t.columns.length === 1 ? '' : 's'}`, command: createMergeTable(t, t.columns), at: t.at });
      continue;
    }
    const added = t.columns.filter((c) => !have.columns.some((h) => h.name === c.name));
    const retyped = t.columns.filter((c) => have.columns.some((h) => h.name === c.name && h.type !== c.type));
    const extra = have.columns.filter((h) => !t.columns.some((c) => c.name === h.name));
    // Only the new columns: create-merge fails on a column whose type differs, and keeps the ones not named.
    if (added.length) step({ kind: 'columns', object: `table ${t.name}`, summary: `adds column${added.length === 1 ? '' : 's'} ${added.map((c) => `${c.name}: ${c.type}`).join(', ')}`, command: createMergeTable({ name: t.name }, added), at: t.at });
    for (const c of retyped) {
      const old = have.columns.find((h) => h.name === c.name)!;
      plan.notes.push(`Column ${t.name}.${c.name} is ${old.type} in the database but ${c.type} in kql/${where(t.at)}; create-merge cannot change a type, so it stays ${old.type} unless you tick the change.`);
      removal({ kind: 'alter-column-type', object: `column ${t.name}.${c.name}`, summary: `changes its type from ${old.type} to ${c.type} (values that do not convert become null)`, command: alterColumnType(t.name, c.name, c.type), at: t.at });
    }
    if (extra.length) removal({ kind: 'drop-columns', object: `table ${t.name}`, summary: `drops column${extra.length === 1 ? '' : 's'} ${extra.map((c) => c.name).join(', ')} and their data`, command: dropColumns(t.name, extra.map((c) => c.name)), at: t.at });
    if (!added.length && !retyped.length) plan.unchanged.push(`table ${t.name}`);
  }
  for (const t of live.tables) {
    if (!desiredTables.has(t.name)) removal({ kind: 'drop-table', object: `table ${t.name}`, summary: 'drops the table and all its rows (kql/ does not declare it)', command: dropTable(t.name) });
  }

  for (const [table, want] of desired.streamingIngestion) {
    if (!tableKnown(table)) { plan.errors.push(`The streaming ingestion policy${where(want.at)} is for table ${table}, which neither kql/ nor the database has.`); continue; }
    const have = live.streamingIngestion.get(table)?.enabled ?? false;
    if (have === want.enabled) plan.unchanged.push(`streaming ingestion of ${table}`);
    else step({ kind: 'streaming-policy', object: `table ${table}`, summary: `${want.enabled ? 'enables' : 'disables'} streaming ingestion`, command: alterStreamingIngestion(table, want.enabled), at: want.at });
  }

  for (const m of desired.mappings) {
    const label = `${m.kind} mapping ${m.name} of ${m.table}`;
    if (!tableKnown(m.table)) { plan.errors.push(`The ${label}${where(m.at)} is for table ${m.table}, which neither kql/ nor the database has.`); continue; }
    const liveTable = liveTables.get(m.table);
    if (!desiredTables.has(m.table) && liveTable) {
      const missing = m.entries.filter((e) => !liveTable.columns.some((c) => c.name === e.column)).map((e) => e.column);
      if (missing.length) { plan.errors.push(`The ${label}${where(m.at)} maps column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}, which table ${m.table} does not have.`); continue; }
    }
    const have = live.mappings.find((x) => x.table === m.table && x.kind === m.kind && x.name === m.name);
    if (have && mappingKey(have.entries) === mappingKey(m.entries)) { plan.unchanged.push(label); continue; }
    step({ kind: 'mapping', object: label, summary: have ? 'changes the mapping' : 'new mapping', command: createOrAlterMapping(m), at: m.at });
  }
  for (const m of live.mappings) {
    if (!desiredTables.has(m.table)) continue; // goes with the table's own removal
    if (!desired.mappings.some((x) => x.table === m.table && x.kind === m.kind && x.name === m.name)) {
      removal({ kind: 'drop-mapping', object: `${m.kind} mapping ${m.name} of ${m.table}`, summary: 'drops the mapping (kql/ does not declare it)', command: dropMapping(m) });
    }
  }

  const liveFunctions = new Map(live.functions.map((f) => [f.name, f]));
  for (const f of orderFunctions(desired.functions)) {
    const have = liveFunctions.get(f.name);
    if (have && functionKey(have) === functionKey(f)) { plan.unchanged.push(`function ${f.name}`); continue; }
    step({ kind: 'function', object: `function ${f.name}`, summary: have ? describeFunctionChange(have, f) : 'new function', command: createOrAlterFunction(f), at: f.at });
  }
  for (const f of live.functions) {
    if (!desired.functions.some((x) => x.name === f.name)) removal({ kind: 'drop-function', object: `function ${f.name}`, summary: 'drops the function (kql/ does not declare it)', command: dropFunction(f.name) });
  }

  for (const [table, want] of desired.updatePolicies) {
    if (!tableKnown(table)) { plan.errors.push(`The update policy${where(want.at)} is for table ${table}, which neither kql/ nor the database has.`); continue; }
    const unknown = want.entries.filter((e) => !tableKnown(e.Source)).map((e) => e.Source);
    if (unknown.length) { plan.errors.push(`The update policy of ${table}${where(want.at)} reads from ${unknown.join(', ')}, which neither kql/ nor the database has.`); continue; }
    const have = live.updatePolicies.get(table);
    if (have && updatePolicyKey(have.entries) === updatePolicyKey(want.entries)) { plan.unchanged.push(`update policy of ${table}`); continue; }
    step({ kind: 'update-policy', object: `update policy of ${table}`, summary: have ? 'changes the policy' : `new policy: ${want.entries.map((e) => `from ${e.Source}`).join(', ')}`, command: alterUpdatePolicy(table, want.entries), at: want.at });
  }
  for (const [table] of live.updatePolicies) {
    if (desiredTables.has(table) && !desired.updatePolicies.has(table)) {
      removal({ kind: 'clear-update-policy', object: `update policy of ${table}`, summary: 'removes the update policy (kql/ does not declare one)', command: clearUpdatePolicy(table) });
    }
  }

  const liveViews = new Map(live.materializedViews.map((v) => [v.name, v]));
  for (const v of desired.materializedViews) {
    if (options.materializedViews === false) { plan.notes.push(`Materialized view ${v.name}${where(v.at)} is left out: this database (the local Eventhouse) has no materialized views.`); continue; }
    const have = liveViews.get(v.name);
    if (have && materializedViewKey(have) === materializedViewKey(v)) { plan.unchanged.push(`materialized view ${v.name}`); continue; }
    step({ kind: 'materialized-view', object: `materialized view ${v.name}`, summary: have ? 'changes the view' : 'new view', command: materializedViewCommand(v, !!have), at: v.at });
  }
  for (const v of live.materializedViews) {
    if (!desired.materializedViews.some((x) => x.name === v.name)) removal({ kind: 'drop-materialized-view', object: `materialized view ${v.name}`, summary: 'drops the view and its data (kql/ does not declare it)', command: dropMaterializedView(v.name) });
  }

  for (const p of desired.passThrough) {
    step({ kind: 'pass-through', object: p.summary, summary: 'not compared with the database: runs on every deploy', command: p.command, at: p.at });
  }
  if (desired.passThrough.length) plan.notes.push(`${desired.passThrough.length} policy command${desired.passThrough.length === 1 ? '' : 's'} Eventline does not compare run on every deploy.`);

  plan.removals.sort((a, b) => REMOVAL_ORDER.indexOf(a.kind) - REMOVAL_ORDER.indexOf(b.kind));
  return plan;
}

/** Removals run after everything else, dependants first (a policy before the table it reads, a view before its source). */
const REMOVAL_ORDER: StepKind[] = ['clear-update-policy', 'drop-materialized-view', 'drop-function', 'drop-mapping', 'alter-column-type', 'drop-columns', 'drop-table'];

function describeFunctionChange(have: FunctionDef, want: FunctionDef): string {
  const parts: string[] = [];
  if (normalizeKql(have.parameters) !== normalizeKql(want.parameters)) parts.push('parameters');
  if (normalizeKql(have.body) !== normalizeKql(want.body)) parts.push('body');
  if ((have.folder ?? '') !== (want.folder ?? '')) parts.push('folder');
  if ((have.docString ?? '') !== (want.docString ?? '')) parts.push('docstring');
  return `changes the ${parts.join(', ') || 'definition'}`;
}

/** Functions that others call come first, so each is created after what it uses (file order otherwise). */
export function orderFunctions(functions: FunctionDef[]): FunctionDef[] {
  const byName = new Map(functions.map((f) => [f.name, f]));
  const out: FunctionDef[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (f: FunctionDef) => {
    if (state.get(f.name)) return; // done, or a cycle: keep the file order
    state.set(f.name, 'visiting');
    for (const other of byName.values()) {
      if (other !== f && new RegExp(`(^|[^\\w$])${other.name.replace(/[$]/g, '\\$')}\\s*\\(`).test(f.body)) visit(other);
    }
    state.set(f.name, 'done');
    out.push(f);
  };
  functions.forEach(visit);
  return out;
}

/** The chosen removals run after the plan's steps. */
export function commandsToRun(plan: SchemaPlan, chosenRemovals: PlanStep[]): PlanStep[] {
  return [...plan.steps, ...plan.removals.filter((r) => chosenRemovals.includes(r))];
}
