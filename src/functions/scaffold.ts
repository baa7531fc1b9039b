// "Eventline: Scaffold Ingest Function": asks for the source, hub, schedule, partition key and folder, copies
// functions-template/ there with a local.settings.json for those answers (Key Vault references, no secret), and adds
// or updates the manifest's functions entry. Running it again updates the files Eventline wrote and nobody touched;
// a file the user edited is replaced only after the user saw the diff and said so.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { prompts, type Choice } from '../common/prompt';
import type { FunctionDef, Manifest } from '../core/manifest';
import { upsertFunctionEntry } from '../core/manifestEdits';
import { describeNcrontab, parseNcrontab } from '../core/ncrontab';
import { formatScaffoldRecord, nextScaffoldRecord, normalizeFolder, parseScaffoldRecord, planScaffold, scaffoldFolderProblem, SCAFFOLD_RECORD_FILE, type PlannedFile, type ScaffoldFile } from '../core/scaffoldPlan';
import { scaffoldFiles } from '../core/scaffoldTemplate';
import { referenceVaultUri } from '../core/secretReferences';
import { editManifest } from '../manifest/manifestWriter';
import type { ManifestStore } from '../manifest/manifestStore';
import type { PipelineModel } from '../model/pipelineModel';
import { refOf } from '../model/refs';

const TITLE = 'Eventline: Scaffold Ingest Function';
/** The template registers its timer under this name (app.timer('ingest', …)); the entry's name must match it. */
const TEMPLATE_FUNCTION = 'ingest';
const DEFAULT_SCHEDULE = '*/30 * * * * *';
export const PROPOSED_SCHEME = 'eventline-scaffold';

export interface ScaffoldResult {
  folder: string;
  entry: FunctionDef;
  created: string[];
  updated: string[];
  /** Edited files the user chose to replace. */
  replaced: string[];
  /** Edited files left as the user had them. */
  kept: string[];
  manifestChanged: boolean;
  /** Files of the starting Eventhouse schema written to kql/ (only when the workspace had no kql/ folder). */
  schema: string[];
}

/** What a diff editor shows on the right: the content the scaffold would write. */
export class ProposedContent implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  set(uri: vscode.Uri, text: string): void { this.texts.set(uri.toString(), text); }
  provideTextDocumentContent(uri: vscode.Uri): string { return this.texts.get(uri.toString()) ?? ''; }
}

function scheduleProblem(value: string): string | undefined {
  const r = parseNcrontab(value.trim());
  return r.ok ? undefined : `${r.error.message} NCRONTAB has six fields: second minute hour day month day-of-week, e.g. */30 * * * * *.`;
}

function schedulePreview(value: string): string | undefined {
  const r = parseNcrontab(value.trim());
  return r.ok ? `Runs ${describeNcrontab(r.schedule)} (UTC)` : undefined;
}

function readIfThere(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export class Scaffolder {
  constructor(private readonly deps: { model: PipelineModel; manifests: ManifestStore; templateDir: string; proposed: ProposedContent; log: vscode.LogOutputChannel }) {}

  async run(arg: unknown): Promise<ScaffoldResult> {
    const snapshot = this.deps.model.snapshot();
    if (!snapshot) throw new Error('Create or fix eventline.json first: the ingest function is scaffolded for one of its sources.');
    const manifest = snapshot.manifest;
    const existing = (manifest.functions ?? []).find((f) => f.name === TEMPLATE_FUNCTION);
    const source = await this.pickSource(manifest, arg, existing?.source);
    const hub = await this.pickHub(manifest, existing?.hub ?? source.hub);
    const schedule = (await prompts.input({
      title: `${TITLE}: schedule`, prompt: 'NCRONTAB, six fields, UTC: second minute hour day month day-of-week',
      value: existing?.schedule ?? source.schedule ?? DEFAULT_SCHEDULE, validate: scheduleProblem, preview: schedulePreview,
    })).trim();
    const partitionKey = (await prompts.input({
      title: `${TITLE}: partition key`, prompt: 'The record field whose value becomes the partition key (empty: none, the hub spreads events)',
      value: existing?.partitionKey ?? '', placeHolder: 'e.g. siteId',
    })).trim();
    const folder = normalizeFolder(await prompts.input({
      title: `${TITLE}: folder`, prompt: 'Where the project goes, relative to eventline.json', value: existing?.path ?? 'ingest-function', validate: scaffoldFolderProblem,
    }));
    const entry: FunctionDef = { name: TEMPLATE_FUNCTION, path: folder, source: source.name, hub, schedule, ...(partitionKey ? { partitionKey } : {}) };
    const root = path.dirname(snapshot.manifestPath);
    const projectDir = path.join(root, folder);
    if (fs.existsSync(projectDir) && !fs.statSync(projectDir).isDirectory()) throw new Error(`${projectDir} is a file, not a folder: pick another folder.`);

    // The user's own properties of the entry (settings, enabled) stay; a partition key cleared in the prompt is gone.
    const files = this.files(manifest, { ...entry, ...(existing?.settings ? { settings: existing.settings } : {}) });
    const record = parseScaffoldRecord(readIfThere(path.join(projectDir, SCAFFOLD_RECORD_FILE)));
    const plan = planScaffold(files, (p) => readIfThere(path.join(projectDir, p)), record);
    const kept = new Set<string>();
    const replaced: string[] = [];
    for (const f of plan.filter((p) => p.action === 'edited')) {
      if (await this.replaceEdited(projectDir, f)) replaced.push(f.path);
      else kept.add(f.path);
    }
    for (const f of plan) {
      if (f.action === 'unchanged' || kept.has(f.path)) continue;
      const target = path.join(projectDir, f.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, f.content);
    }
    fs.writeFileSync(path.join(projectDir, SCAFFOLD_RECORD_FILE), formatScaffoldRecord(nextScaffoldRecord(record, plan, kept)));
    const schema = this.startingSchema(root);
    const manifestChanged = await editManifest(this.deps.manifests, (text) => upsertFunctionEntry(text, entry).text);
    try {
      await this.deps.model.functions.reload();
    } catch (e) {
      // The runner also notices the manifest change itself; a failed nudge is not a failed scaffold.
      this.deps.log.warn(`Scaffold: the local pipeline did not reload its functions: ${e instanceof Error ? e.message : String(e)}`);
    }
    const result: ScaffoldResult = {
      folder, entry, manifestChanged, replaced, kept: [...kept], schema,
      created: plan.filter((f) => f.action === 'create').map((f) => f.path),
      updated: plan.filter((f) => f.action === 'update').map((f) => f.path),
    };
    this.deps.log.info(`Scaffold ${folder}: ${result.created.length} created, ${result.updated.length} updated, ${replaced.length} replaced, ${kept.size} kept (edited)${manifestChanged ? ', eventline.json updated' : ''}`);
    const keptNote = kept.size ? ` Kept your edits in ${[...kept].join(', ')}.` : '';
    const schemaNote = schema.length ? ' kql/ holds a starting Eventhouse schema (the sample readings: raw table, mapping, update policy): adjust it to your records, then Deploy Eventhouse Schema.' : '';
    void vscode.window.showInformationMessage(`Ingest function "${entry.name}" is in ${folder}/ (${source.name} → ${hub}, ${schedulePreview(schedule) ?? schedule}).${keptNote}${schemaNote}`, 'Open Function').then(async (choice) => {
      if (choice) await vscode.window.showTextDocument(vscode.Uri.file(path.join(projectDir, 'src/functions/ingest.ts')));
    });
    return result;
  }

  private async pickSource(manifest: Manifest, arg: unknown, current: string | undefined) {
    const sources = manifest.sources ?? [];
    if (sources.length === 0) throw new Error('eventline.json declares no source: add one under "sources" (URL, records path, API key reference), then scaffold the function for it.');
    const ref = refOf(arg);
    if (ref?.kind === 'source') {
      const s = sources.find((x) => x.name === ref.name);
      if (s) return s;
    }
    const items: Choice<(typeof sources)[number]>[] = sources.map((s) => ({ label: s.name, description: `${s.method ?? 'GET'} ${s.url}`, picked: s.name === current, value: s }));
    return prompts.pick(items, { title: `${TITLE}: source`, placeHolder: 'The REST source the function polls' });
  }

  private async pickHub(manifest: Manifest, current: string | undefined): Promise<string> {
    const hubs = manifest.eventHubs ?? [];
    if (hubs.length === 0) throw new Error('eventline.json declares no event hub: add one under "eventHubs" (e.g. {"name": "telemetry"}), then scaffold the function.');
    const items: Choice<string>[] = hubs.map((h) => ({ label: h.name, description: h.name === current ? 'current' : undefined, value: h.name }));
    return prompts.pick(items, { title: `${TITLE}: event hub`, placeHolder: 'Where the records go, one event each' });
  }

  /** The template's files, with local.settings.json written for this entry. */
  private files(manifest: Manifest, entry: FunctionDef): ScaffoldFile[] {
    const vaultUri = referenceVaultUri(manifest, this.deps.model.host.cloud.keyVaultAudience, this.deps.model.host.localReady()?.keyVault?.uri);
    return scaffoldFiles(this.deps.templateDir, manifest, entry, vaultUri);
  }

  /**
   * The events need tables to land in: a workspace without kql/ gets the sample source's schema (raw table with its
   * JSON mapping, an update policy into a typed table, its function) to start from. An existing kql/ is never touched.
   */
  private startingSchema(root: string): string[] {
    const target = path.join(root, 'kql');
    const from = path.join(this.deps.templateDir, '..', 'kql', 'schema');
    if (fs.existsSync(target) || !fs.existsSync(from)) return [];
    fs.cpSync(from, target, { recursive: true });
    const written: string[] = [];
    const walk = (rel: string) => {
      for (const e of fs.readdirSync(path.join(target, rel), { withFileTypes: true })) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(p);
        else written.push(`kql/${p}`);
      }
    };
    walk('');
    return written.sort();
  }

  /** Shows the user's file against what the scaffold would write, and asks. */
  private async replaceEdited(projectDir: string, f: PlannedFile): Promise<boolean> {
    const proposed = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/${f.path}` });
    this.deps.proposed.set(proposed, f.content);
    const mine = vscode.Uri.file(path.join(projectDir, f.path));
    await vscode.commands.executeCommand('vscode.diff', mine, proposed, `${f.path}: yours ↔ Eventline's template`, { preview: true });
    const choice = await prompts.confirm(`${f.path} was changed since Eventline wrote it. Replace it with the template's version?`, {
      detail: 'The diff shows your file on the left and the new one on the right. Keep Mine leaves it as it is.',
      buttons: ['Replace', 'Keep Mine'] as const,
    });
    return choice === 'Replace';
  }
}
