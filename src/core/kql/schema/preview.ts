// The read-only document a schema deploy shows: the commands it will run, why, and (while and after running) what
// each one did. Plain text in KQL so it highlights like the files it comes from.
import type { SourceLocation } from './model';
import type { PlanStep, SchemaPlan } from './diff';

export type StepState =
  | { state: 'pending' }
  | { state: 'running' }
  | { state: 'done'; ms: number }
  | { state: 'failed'; message: string; ms: number }
  | { state: 'not-run'; reason: string };

export interface PreviewInput {
  /** "NetDefaultDB on the local Eventhouse (http://127.0.0.1:8080)". */
  target: string;
  plan: SchemaPlan;
  /** The steps that will run (or ran), removals the user ticked included. */
  run: PlanStep[];
  results?: StepState[];
  skipped?: SourceLocation[];
  unsavedFiles?: string[];
}

function comment(text: string): string {
  return text.split('\n').map((l) => `// ${l}`).join('\n');
}

function stateLine(s: StepState | undefined): string | undefined {
  if (!s) return undefined;
  switch (s.state) {
    case 'pending': return undefined;
    case 'running': return '// … running';
    case 'done': return `// ✓ done in ${s.ms} ms`;
    case 'failed': return comment(`✗ FAILED after ${s.ms} ms: ${s.message}`);
    case 'not-run': return `// – not run: ${s.reason}`;
  }
}

export function previewText(input: PreviewInput): string {
  const { plan, run, results } = input;
  const out: string[] = [];
  const removalsNotRun = plan.removals.filter((r) => !run.includes(r));
  out.push(comment(`Deploy Eventhouse Schema → ${input.target}`));
  out.push(comment(run.length === 0
    ? 'Nothing to run: the database already matches kql/.'
    : `${run.length} command${run.length === 1 ? '' : 's'}, run one at a time in this order; a failure stops the rest.`));
  if (plan.unchanged.length) out.push(comment(`Already up to date: ${plan.unchanged.join(', ')}.`));
  for (const n of plan.notes) out.push(comment(`Note: ${n}`));
  for (const e of plan.errors) out.push(comment(`ERROR: ${e}`));
  if (input.unsavedFiles?.length) out.push(comment(`Unsaved changes in ${input.unsavedFiles.join(', ')} are not included: the saved files are deployed.`));
  if (input.skipped?.length) out.push(comment(`Not part of the schema (queries, not management commands): ${input.skipped.map((s) => `${s.file}:${s.line}`).join(', ')}.`));
  run.forEach((s, i) => {
    out.push('');
    out.push(comment(`${i + 1}/${run.length} ${s.object}: ${s.summary}${s.destructive ? ' — REMOVES DATA OR DEFINITIONS' : ''}${s.at ? ` (${s.at.file}:${s.at.line})` : ''}`));
    out.push(s.command);
    const line = stateLine(results?.[i]);
    if (line) out.push(line);
  });
  if (removalsNotRun.length) {
    out.push('');
    out.push(comment('In the database but not in kql/ (or typed differently), NOT removed — pick "Choose Removals…" to remove any:'));
    for (const r of removalsNotRun) out.push(comment(`  ${r.object}: ${r.summary}\n    ${r.command}`));
  }
  return `${out.join('\n')}\n`;
}
