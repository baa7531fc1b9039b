// Manifests from before the local Key Vault name API keys in VS Code's SecretStorage (`{"secretStorage": name}`).
// They keep loading; each such reference gets a warning on eventline.json with a quick fix that moves the value into
// the local Key Vault and rewrites the reference to `{"keyVaultSecret": name}`, and one command moves them all.
// Order matters for not losing anything: the vault write, then the manifest rewrite, and only after both the
// SecretStorage entry is deleted.
import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { prompts } from '../common/prompt';
import { isUserCancelled } from '../core/errors';
import { rewriteSecretStorageReferences } from '../core/manifestEdits';
import { legacyReferenceMessage, legacySecretReferences, secretMigrations, type SecretMigration } from '../core/secretReferences';
import { editManifest } from '../manifest/manifestWriter';
import type { ManifestStore } from '../manifest/manifestStore';
import type { PipelineModel } from '../model/pipelineModel';
import { storeSecret, withVaultProgress } from './secretCommands';

export const LEGACY_SECRET_CODE = 'eventline.secretStorageReference';
const LOCAL_VAULT = 'the local Key Vault';

export interface SecretMove {
  /** The SecretStorage name. */
  from: string;
  /** The Key Vault secret name the manifest now refers to. */
  to: string;
  /** moved: stored in the local Key Vault and deleted from SecretStorage; rewritten: the vault already had it (only
   *  the reference changed); failed: nothing changed for this name. */
  outcome: 'moved' | 'rewritten' | 'failed';
  message: string;
  /** failed because neither SecretStorage nor the vault has it: the message offers Set Secret. */
  setSecret?: boolean;
}

class NothingToMoveError extends Error {}

export interface SecretMoveResult { moves: SecretMove[] }

/** The warnings on eventline.json, kept in step with the open document (or the file when it is not open). */
export class LegacySecretDiagnostics extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection('eventline-secrets'));

  constructor(private readonly manifests: ManifestStore) {
    super();
    this.register(manifests.onDidChange(() => { void this.refresh(); }));
    const ours = (doc: vscode.TextDocument) => doc.uri.toString() === manifests.manifestUri()?.toString();
    this.register(vscode.workspace.onDidChangeTextDocument((e) => { if (ours(e.document)) this.publish(e.document.uri, e.document.getText()); }));
    this.register(vscode.workspace.onDidOpenTextDocument((doc) => { if (ours(doc)) this.publish(doc.uri, doc.getText()); }));
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const uri = this.manifests.manifestUri();
    this.collection.clear();
    if (!uri || this.manifests.state.kind !== 'loaded') return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    let text = doc?.getText();
    if (text === undefined) {
      try { text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)); } catch { return; }
    }
    this.publish(uri, text);
  }

  private publish(uri: vscode.Uri, text: string): void {
    this.collection.set(uri, legacySecretReferences(text).map((r) => {
      const d = new vscode.Diagnostic(new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character), legacyReferenceMessage(r), vscode.DiagnosticSeverity.Warning);
      d.source = 'Eventline';
      d.code = LEGACY_SECRET_CODE;
      return d;
    }));
  }
}

/** "Move secret to the local Key Vault" on each warning. */
export class LegacySecretCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const refs = legacySecretReferences(doc.getText());
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.code !== LEGACY_SECRET_CODE) continue;
      const ref = refs.find((r) => d.range.intersection(new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character)));
      if (!ref) continue;
      const action = new vscode.CodeAction('Move secret to the local Key Vault', vscode.CodeActionKind.QuickFix);
      action.diagnostics = [d];
      action.isPreferred = true;
      action.command = { command: 'eventline.migrateSecretReferences', title: action.title, arguments: [{ secretStorage: ref.name }] };
      actions.push(action);
    }
    return actions;
  }
}

/**
 * Moves one SecretStorage name (the quick fix: `{secretStorage: name}`) or all of them (the command). A name that
 * fails leaves everything of that name as it was and does not stop the others; the summary says what happened.
 */
export async function migrateSecretReferences(deps: { model: PipelineModel; manifests: ManifestStore; secrets: vscode.SecretStorage }, arg: unknown): Promise<SecretMoveResult> {
  const uri = deps.manifests.manifestUri();
  if (!uri) throw new Error('Open a folder first: eventline.json lives at its root.');
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const only = typeof arg === 'object' && arg !== null && typeof (arg as { secretStorage?: unknown }).secretStorage === 'string' ? (arg as { secretStorage: string }).secretStorage : undefined;
  const all = secretMigrations(text);
  const todo = only === undefined ? all : all.filter((m) => m.from === only);
  if (todo.length === 0) {
    const message = only === undefined ? 'eventline.json names no secret in VS Code\'s SecretStorage: nothing to move.' : `eventline.json no longer names "${only}" in VS Code's SecretStorage: nothing to move.`;
    void vscode.window.showInformationMessage(message);
    return { moves: [] };
  }
  const moves: SecretMove[] = [];
  for (const m of todo) {
    try {
      moves.push(await moveOne(deps, m));
    } catch (e) {
      if (isUserCancelled(e)) throw e;
      moves.push({ from: m.from, to: m.to, outcome: 'failed', message: e instanceof Error ? e.message : String(e), setSecret: e instanceof NothingToMoveError });
    }
  }
  for (const m of moves) {
    if (m.outcome !== 'failed') {
      void vscode.window.showInformationMessage(m.message);
      continue;
    }
    void vscode.window.showErrorMessage(m.message, ...(m.setSecret ? ['Set Secret'] : [])).then(async (choice) => {
      if (choice) await vscode.commands.executeCommand('eventline.setSecret', { kind: 'secret', name: m.to });
    });
  }
  return { moves };
}

function usedBy(m: SecretMigration): string {
  return m.sources.map((s) => `source "${s}"`).join(', ');
}

async function moveOne(deps: { model: PipelineModel; manifests: ManifestStore; secrets: vscode.SecretStorage }, m: SecretMigration): Promise<SecretMove> {
  const { model, manifests, secrets } = deps;
  const value = await secrets.get(m.from);
  const state = await withVaultProgress(`Looking up "${m.to}" in ${LOCAL_VAULT}…`, (signal) => model.secrets.state(m.to, signal, 'local'));
  let stored = false;
  if (value === undefined) {
    if (state !== 'set') {
      throw new NothingToMoveError(`Secret "${m.from}" (used by ${usedBy(m)}) is not in VS Code's SecretStorage on this machine, and ${LOCAL_VAULT} has no "${m.to}": there is nothing to move. ` +
        `Run "Eventline: Set Secret", name it "${m.to}" and enter the value, then run the quick fix again (it then only rewrites the reference).`);
    }
  } else if (state === 'set') {
    const choice = await prompts.confirm(`${LOCAL_VAULT[0].toUpperCase()}${LOCAL_VAULT.slice(1)} already has a secret "${m.to}". Store the value from VS Code's SecretStorage as its new version, or keep the vault's value?`, {
      buttons: ['Store as New Version', 'Keep the Vault\'s Value'] as const,
      detail: 'The vault keeps the older version either way. Keeping the vault\'s value leaves the SecretStorage entry in place.',
    });
    if (choice === 'Store as New Version') {
      await storeSecret(model, m.to, value, LOCAL_VAULT, 'local');
      stored = true;
    }
  } else {
    await storeSecret(model, m.to, value, LOCAL_VAULT, 'local');
    stored = true;
  }
  // The vault has the value now: only then does the manifest stop naming SecretStorage.
  await editManifest(manifests, (text) => rewriteSecretStorageReferences(text, m.from, m.to));
  if (stored) {
    await secrets.delete(m.from);
    return { from: m.from, to: m.to, outcome: 'moved', message: `Moved secret "${m.from}" from VS Code's SecretStorage to ${LOCAL_VAULT} as "${m.to}"; ${usedBy(m)} now refer to it as {"keyVaultSecret": "${m.to}"}.` };
  }
  return { from: m.from, to: m.to, outcome: 'rewritten', message: `${LOCAL_VAULT[0].toUpperCase()}${LOCAL_VAULT.slice(1)} already holds "${m.to}": ${usedBy(m)} now refer to it as {"keyVaultSecret": "${m.to}"}${value === undefined ? '' : ' (the SecretStorage entry is left in place)'}.` };
}
