// The ingest function feature: Run Now, Scaffold, the secrets it needs (#19) and the deploy (#21, in deploy/).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerCommand } from '../common/registerCommand';
import { Disposable } from '../common/disposable';
import type { LocalPipelineSupervisor } from '../localPipeline/supervisor';
import type { ManifestStore } from '../manifest/manifestStore';
import type { PipelineModel } from '../model/pipelineModel';
import type { FunctionRunResult } from '../protocol/controlApi';
import { FunctionActivity } from './functionActivity';
import { runFunctionNow } from './runNow';
import { PROPOSED_SCHEME, ProposedContent, Scaffolder, type ScaffoldResult } from './scaffold';
import { copySecretReference, deleteSecret, setSecret, type SetSecretResult } from './secretCommands';
import { LegacySecretCodeActions, LegacySecretDiagnostics, migrateSecretReferences, type SecretMoveResult } from './secretMigration';

export type { ScaffoldResult } from './scaffold';
export type { SetSecretResult } from './secretCommands';
export type { SecretMoveResult } from './secretMigration';

export interface IngestFunctionDeps {
  model: PipelineModel;
  manifests: ManifestStore;
  local: LocalPipelineSupervisor;
  view: vscode.TreeView<unknown>;
  extensionPath: string;
  log: vscode.LogOutputChannel;
  /** VS Code's SecretStorage: where older manifests' `secretStorage` references point (moved out by a quick fix). */
  secrets: vscode.SecretStorage;
}

/** What the extension's API exposes (tests read the "Eventline: Ingest Function" lines through it). */
export class IngestFunctionCommands extends Disposable {
  readonly activity: FunctionActivity;
  lastRun: FunctionRunResult | undefined;

  constructor(deps: IngestFunctionDeps) {
    super();
    const { model, log } = deps;
    this.activity = this.register(new FunctionActivity(model, deps.local, deps.view, log));
    const proposed = new ProposedContent();
    const scaffolder = new Scaffolder({ model, manifests: deps.manifests, templateDir: path.join(deps.extensionPath, 'functions-template'), proposed, log });
    this.register(vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, proposed));
    this.register(registerCommand('eventline.runFunctionNow', log, async (arg?: unknown) => {
      const result = await runFunctionNow(model, this.activity, arg);
      if (result) this.lastRun = result;
      return result;
    }));
    this.register(registerCommand('eventline.scaffoldFunction', log, (arg?: unknown): Promise<ScaffoldResult> => scaffolder.run(arg)));
    this.register(registerCommand('eventline.setSecret', log, (arg?: unknown): Promise<SetSecretResult> => setSecret(model, arg)));
    this.register(registerCommand('eventline.copySecretReference', log, (arg?: unknown) => copySecretReference(model, arg)));
    this.register(registerCommand('eventline.deleteSecret', log, (arg?: unknown) => deleteSecret(model, arg)));
    this.register(new LegacySecretDiagnostics(deps.manifests));
    this.register(vscode.languages.registerCodeActionsProvider({ pattern: '**/eventline.json' }, new LegacySecretCodeActions(), { providedCodeActionKinds: LegacySecretCodeActions.kinds }));
    this.register(registerCommand('eventline.migrateSecretReferences', log, (arg?: unknown): Promise<SecretMoveResult> => migrateSecretReferences({ model, manifests: deps.manifests, secrets: deps.secrets }, arg)));
  }

  /** The lines the "Eventline: Ingest Function" channel got (the runner's log lines and Run Now results). */
  get lines(): readonly string[] { return this.activity.lines; }
}
