// At start, the local Eventhouse takes the workspace's schema as code (the kql/ folder beside --config), so a fresh
// local pipeline has the tables, mappings, update policies and functions its connections and queries name. The
// same planner as "Eventline: Deploy Eventhouse Schema" decides what to run; only what it runs without asking
// (create-merge, create-or-alter, policies) runs here: nothing is dropped or retyped, and a problem is logged and
// skips the schema, never the pipeline.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { commandsToRun, formatProblem, parseSchemaFiles, planSchema, readLiveSchema, type SchemaFile } from '../../core/kql/schema';
import type { Engine } from './engine';
import { runCommand } from './mgmt';

export const SCHEMA_FOLDER = 'kql';

function kqlFiles(root: string): SchemaFile[] {
  const out: SchemaFile[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.name.toLowerCase().endsWith('.kql')) out.push({ path: path.relative(root, abs).split(path.sep).join('/'), text: fs.readFileSync(abs, 'utf8') });
    }
  };
  walk(path.join(root, SCHEMA_FOLDER));
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** What the step did, for the log and the tests. */
export interface WorkspaceSchemaResult { applied: string[]; problems: string[] }

export async function applyWorkspaceSchema(engine: Engine, database: string, configPath: string | undefined, log: (m: string) => void): Promise<WorkspaceSchemaResult> {
  const result: WorkspaceSchemaResult = { applied: [], problems: [] };
  if (!configPath) return result;
  const root = path.dirname(path.resolve(configPath));
  if (!fs.existsSync(path.join(root, SCHEMA_FOLDER))) return result;
  const files = kqlFiles(root);
  const parsed = parseSchemaFiles(files);
  if (parsed.problems.length) {
    result.problems = parsed.problems.map(formatProblem);
    log(`eventhouse: the ${SCHEMA_FOLDER}/ schema was not applied: ${result.problems.join('; ')} (fix the file, then restart or run "Eventline: Deploy Eventhouse Schema")`);
    return result;
  }
  const run = async (command: string) => {
    const t = await runCommand(engine, database, command);
    return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c.name, r[i]])));
  };
  const plan = planSchema(parsed.schema, await readLiveSchema(run, database), { materializedViews: false });
  if (plan.errors.length) {
    result.problems = plan.errors;
    log(`eventhouse: the ${SCHEMA_FOLDER}/ schema was not applied: ${plan.errors.join('; ')}`);
    return result;
  }
  for (const step of commandsToRun(plan, [])) {
    try {
      await run(step.command);
      result.applied.push(`${step.object}: ${step.summary}`);
    } catch (e) {
      // Later steps may need this one (a policy needs its function): stop as the Deploy command does.
      const at = step.at ? ` (${step.at.file}:${step.at.line})` : '';
      result.problems.push(`${step.object}${at}: ${e instanceof Error ? e.message : String(e)}`);
      log(`eventhouse: the ${SCHEMA_FOLDER}/ schema stopped at ${step.object}${at}: ${result.problems[result.problems.length - 1]}`);
      break;
    }
  }
  if (result.applied.length) log(`eventhouse: applied ${result.applied.length} change${result.applied.length === 1 ? '' : 's'} from ${SCHEMA_FOLDER}/ to ${database} (${result.applied.join('; ')})`);
  return result;
}
