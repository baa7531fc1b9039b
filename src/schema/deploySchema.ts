// "Eventline: Deploy Eventhouse Schema": kql/ files → plan against the live database → preview → confirm → run.
import * as vscode from 'vscode';
import { progress } from '../common/progress';
import { prompts } from '../common/prompt';
import { UserCancelledError } from '../core/errors';
import {
  commandsToRun, formatProblem, parseSchemaFiles, planSchema, previewText, readLiveSchema, type PlanStep, type SchemaPlan, type StepState,
} from '../core/kql/schema';
import type { PipelineModel } from '../model/pipelineModel';
import type { DatabaseRef } from '../model/refs';
import type { KustoCommandSession } from '../model/kustoCommands';
import type { PreviewDocuments } from './previewDocument';
import { describeTarget, pickDatabase } from './target';
import { readSchemaFiles, SCHEMA_FOLDER, type SchemaDiagnostics } from './workspaceFiles';

export interface SchemaDeps {
  model: PipelineModel;
  log: vscode.LogOutputChannel;
  /** The folder holding eventline.json and kql/. */
  root(): vscode.Uri | undefined;
  /** A deploy changed a database's schema: caches (the language server's, the tree's) must be dropped. */
  onSchemaChanged(ref: DatabaseRef): void;
}

export interface SchemaContext extends SchemaDeps {
  previews: PreviewDocuments;
  diagnostics: SchemaDiagnostics;
}

/** What a deploy did; returned by the command (the integration tests read it). */
export type DeployOutcome =
  | { kind: 'problems'; problems: string[] }
  | { kind: 'blocked'; target: DatabaseRef; errors: string[]; preview: vscode.Uri }
  | { kind: 'upToDate'; target: DatabaseRef; unchanged: string[] }
  | { kind: 'ran'; target: DatabaseRef; preview: vscode.Uri; steps: { command: string; object: string; result: StepState }[]; failed?: { command: string; message: string }; cancelled: boolean };

export function requireRoot(deps: SchemaDeps): vscode.Uri {
  const root = deps.root();
  if (!root) throw new Error('Open the folder that holds eventline.json first: the schema lives in its kql/ folder.');
  return root;
}

/** Reads the live schema under a cancellable notification; Cancel aborts the command in flight. */
export function readLive(session: KustoCommandSession, title: string) {
  return progress.run(title, async (signal) => {
    const onAbort = () => session.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await readLiveSchema((c) => session.run(c), session.database);
    } catch (e) {
      if (signal.aborted) throw new UserCancelledError();
      throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  });
}

export async function deploySchema(ctx: SchemaContext, arg: unknown): Promise<DeployOutcome> {
  const root = requireRoot(ctx);
  const tables = ctx.model.snapshot()?.manifest.eventhouse?.tables ?? [];
  const { files, unsaved } = await readSchemaFiles(root, tables.flatMap((t) => (t.schemaFile ? [t.schemaFile] : [])));
  if (!files.length) {
    throw new Error(`There is no schema to deploy: write .kql files under ${SCHEMA_FOLDER}/ (one management command per block), or run "Eventline: Pull Eventhouse Schema" to start from a database.`);
  }
  const parsed = parseSchemaFiles(files);
  ctx.diagnostics.show(root, parsed.problems);
  if (parsed.problems.length) {
    const problems = parsed.problems.map(formatProblem);
    for (const p of problems) ctx.log.error(`schema: ${p}`);
    const first = parsed.problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length === 2 ? '' : 's'}, in the Problems view)` : '';
    void vscode.window.showErrorMessage(`Nothing was deployed: ${problems[0]}${more}`, 'Open').then(async (choice) => {
      if (!choice) return;
      const pos = new vscode.Position(first.line - 1, first.column - 1);
      await vscode.window.showTextDocument(vscode.Uri.joinPath(root, first.file), { selection: new vscode.Range(pos, pos) });
    });
    return { kind: 'problems', problems };
  }

  const target = await pickDatabase(ctx.model, arg, 'Eventline: Deploy Eventhouse Schema');
  const session = await ctx.model.eventhouse.commandSession(target);
  try {
    const where = describeTarget(target, session.target.uri);
    const live = await readLive(session, `Eventline: reading the schema of ${target.database}…`);
    const plan = planSchema(parsed.schema, live, { materializedViews: !session.target.isLocal });
    const input = { target: where, plan, skipped: parsed.skipped, unsavedFiles: unsaved };
    if (plan.errors.length) {
      const preview = await ctx.previews.open(`Deploy ${target.database}`, previewText({ ...input, run: [] }));
      void vscode.window.showErrorMessage(`Nothing was deployed: ${plan.errors[0]}${plan.errors.length > 1 ? ` (${plan.errors.length - 1} more in the preview)` : ''}`);
      return { kind: 'blocked', target, errors: plan.errors, preview };
    }
    if (!plan.steps.length && !plan.removals.length) {
      void vscode.window.showInformationMessage(`${target.database} already matches ${SCHEMA_FOLDER}/ (${plan.unchanged.length} object${plan.unchanged.length === 1 ? '' : 's'}): nothing to deploy.`);
      return { kind: 'upToDate', target, unchanged: plan.unchanged };
    }
    let chosen: PlanStep[] = [];
    const preview = await ctx.previews.open(`Deploy ${target.database}`, previewText({ ...input, run: commandsToRun(plan, chosen) }));
    for (;;) {
      const run = commandsToRun(plan, chosen);
      const buttons: string[] = run.length ? ['Deploy'] : [];
      if (plan.removals.length) buttons.push('Choose Removals…');
      const answer = await prompts.confirm(run.length
        ? `Run ${run.length} command${run.length === 1 ? '' : 's'} on ${target.database}?`
        : `${target.database} has everything ${SCHEMA_FOLDER}/ declares, and ${plan.removals.length} thing${plan.removals.length === 1 ? '' : 's'} it does not.`, {
        detail: `${where}. The commands are in the preview.${chosen.length ? ` ${chosen.length} removal${chosen.length === 1 ? '' : 's'} chosen: ${chosen.map((c) => c.object).join(', ')}.` : plan.removals.length ? ' Nothing is removed unless you choose it.' : ''}`,
        buttons,
      });
      if (answer === 'Deploy') break;
      chosen = await prompts.pickMany(plan.removals.map((r) => ({ label: r.object, description: r.summary, detail: r.command, picked: chosen.includes(r), value: r })), {
        title: 'Remove from the database (cannot be undone)', placeHolder: 'Tick what to remove; it runs after the other commands',
      });
      ctx.previews.update(preview, previewText({ ...input, run: commandsToRun(plan, chosen) }));
    }
    return await runPlan(ctx, session, target, plan, chosen, preview, input);
  } finally {
    session.close();
  }
}

async function runPlan(ctx: SchemaContext, session: KustoCommandSession, target: DatabaseRef, plan: SchemaPlan, chosen: PlanStep[], preview: vscode.Uri, input: Omit<Parameters<typeof previewText>[0], 'run' | 'results'>): Promise<DeployOutcome> {
  const run = commandsToRun(plan, chosen);
  const results: StepState[] = run.map(() => ({ state: 'pending' }));
  const show = () => ctx.previews.update(preview, previewText({ ...input, run, results }));
  let failed: { command: string; message: string } | undefined;
  let cancelled = false;
  await progress.run(`Eventline: deploying the schema to ${target.database}`, async (signal, report) => {
    const onAbort = () => session.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (let i = 0; i < run.length; i++) {
        if (signal.aborted) { cancelled = true; break; }
        const step = run[i];
        report({ message: `${i + 1}/${run.length}: ${step.object}`, increment: 100 / run.length });
        results[i] = { state: 'running' };
        show();
        const started = performance.now();
        try {
          await session.run(step.command);
          results[i] = { state: 'done', ms: Math.round(performance.now() - started) };
          ctx.log.info(`schema ${target.database}: ${step.object}: done`);
        } catch (e) {
          const ms = Math.round(performance.now() - started);
          if (signal.aborted) {
            cancelled = true;
            results[i] = { state: 'not-run', reason: 'cancelled while it ran (the service may have applied it)' };
            break;
          }
          const message = e instanceof Error ? e.message : String(e);
          results[i] = { state: 'failed', message, ms };
          failed = { command: step.command, message };
          ctx.log.error(`schema ${target.database}: ${step.object} failed: ${message}\n${step.command}`);
          break;
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  });
  for (let i = 0; i < run.length; i++) {
    if (results[i].state === 'pending') results[i] = { state: 'not-run', reason: cancelled ? 'cancelled' : 'an earlier command failed' };
  }
  show();
  ctx.onSchemaChanged(target);
  const done = results.filter((r) => r.state === 'done').length;
  if (failed) {
    const firstLine = failed.command.split('\n')[0];
    const shown = firstLine.length > 120 ? `${firstLine.slice(0, 117)}…` : firstLine;
    void vscode.window.showErrorMessage(`Schema deploy to ${target.database} stopped at command ${done + 1} of ${run.length} (${shown}): ${failed.message} The ${run.length - done - 1} after it did not run.`, 'Show Preview').then(async (c) => {
      if (c) await vscode.window.showTextDocument(preview);
    });
  } else if (cancelled) {
    void vscode.window.showWarningMessage(`Schema deploy to ${target.database} cancelled after ${done} of ${run.length} commands.`);
  } else {
    void vscode.window.showInformationMessage(`Deployed the schema to ${target.database}: ${run.length} command${run.length === 1 ? '' : 's'} ran.`);
  }
  return { kind: 'ran', target, preview, steps: run.map((s, i) => ({ command: s.command, object: s.object, result: results[i] })), failed, cancelled };
}
