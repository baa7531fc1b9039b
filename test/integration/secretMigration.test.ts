// Older manifests name API keys in VS Code's SecretStorage (#19): a warning on the reference, the quick fix that moves
// the value into the real local Key Vault of the pipeline Eventline starts and rewrites eventline.json, and the
// command that moves them all. Checked through the SDK's SecretClient against that vault and the file on disk.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { SecretClient } from '@azure/keyvault-secrets';
import * as vscode from 'vscode';
import type { EventlineApi } from '../../src/extension';
import { LocalVaultCredential } from '../../src/core/localVaultToken';
import type { SecretMoveResult } from '../../src/functions';
import type { LocalReady } from '../../src/protocol/localReady';
import { startLocalProfile } from './support/localHelpers';
import { answered, api, manifestUri, removeManifest, until, writeManifest } from './support/treeHelpers';

const RUN = Date.now().toString(36);
// The extension's pipeline keeps its vault between runs: names unique to this run.
const MOVED = `legacy-key-${RUN}`;
const MISSING = `never-stored-${RUN}`;
const IN_VAULT = `already-in-vault-${RUN}`;
const DOTTED = `dotted.key.${RUN}`;
const CODE = 'eventline.secretStorageReference';

/** The fixture manifest (a source keyed through SecretStorage), with this run's secret name. */
function legacyManifest(name: string): Record<string, unknown> {
  const text = fs.readFileSync(nodePath.join(process.env.EVENTLINE_REPO ?? '', 'test', 'fixtures', 'legacy-secret', 'eventline.json'), 'utf8');
  return JSON.parse(text.replace('"legacy-sensor-key"', JSON.stringify(name))) as Record<string, unknown>;
}

function diskText(): string {
  return fs.readFileSync(manifestUri().fsPath, 'utf8');
}

function ours(): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(manifestUri()).filter((d) => d.code === CODE);
}

describe('Secret references in VS Code SecretStorage: warning, quick fix and Move Secrets command (the real local Key Vault)', function () {
  this.timeout(120_000);
  let a: EventlineApi;
  let ready: LocalReady;
  let storage: vscode.SecretStorage;
  let vault: SecretClient;

  before(async () => {
    a = await api();
    assert.ok(a.testSecretStorage, 'the extension runs in test mode and hands its SecretStorage to the tests');
    storage = a.testSecretStorage;
    await vscode.workspace.getConfiguration('eventline.local').update('autoStart', false, vscode.ConfigurationTarget.Global);
    await a.local.stop();
    ready = await startLocalProfile(a, legacyManifest(MOVED));
    const kv = ready.keyVault!;
    vault = new SecretClient(kv.uri, new LocalVaultCredential(kv.tokenKeyFile), { disableChallengeResourceVerification: true, tlsOptions: { ca: fs.readFileSync(kv.caCertificate, 'utf8') } });
  });

  after(async () => {
    for (const name of [MOVED, MISSING, IN_VAULT, DOTTED]) await storage?.delete(name);
    await vscode.workspace.getConfiguration('eventline.local').update('autoStart', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await a?.local.stop();
    await removeManifest();
  });

  it('the manifest still loads, and the reference gets a warning at its own range', async () => {
    assert.equal(a.manifests.state.kind === 'loaded' && a.manifests.state.ok, true, 'a secretStorage reference is still a valid manifest');
    const doc = await vscode.workspace.openTextDocument(manifestUri());
    await vscode.window.showTextDocument(doc);
    const [d] = await until(() => (ours().length === 1 ? ours() : undefined), 'the SecretStorage warning on eventline.json');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(d.source, 'Eventline');
    assert.equal(doc.getText(d.range), `"secretStorage": "${MOVED}"`);
    assert.match(d.message, new RegExp(`Source "sensors" keeps its API key in VS Code's SecretStorage \\("${MOVED}"\\).*local Key Vault as "${MOVED}"`));
  });

  it('a failed manifest write deletes nothing: the value stays in SecretStorage (and is in the vault)', async () => {
    await storage.store(MOVED, 'first-value');
    const editor = await vscode.window.showTextDocument(manifestUri());
    await editor.edit((e) => e.insert(new vscode.Position(0, 1), ' '));
    assert.ok(editor.document.isDirty);
    const out = await vscode.commands.executeCommand<SecretMoveResult>('eventline.migrateSecretReferences', { secretStorage: MOVED });
    assert.equal(out?.moves[0].outcome, 'failed');
    assert.match(out.moves[0].message, /unsaved changes/);
    assert.equal(await storage.get(MOVED), 'first-value', 'SecretStorage still has it');
    assert.match(diskText(), new RegExp(`"secretStorage": "${MOVED}"`));
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.ok(!editor.document.isDirty);
  });

  it('the quick fix moves the value into the local Key Vault, rewrites the reference, then deletes the SecretStorage entry', async () => {
    const doc = await vscode.workspace.openTextDocument(manifestUri());
    const [d] = await until(() => (ours().length === 1 ? ours() : undefined), 'the warning');
    await storage.store(MOVED, 'the-api-key');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, d.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((x) => x.title === 'Move secret to the local Key Vault');
    assert.ok(fix?.command, `the quick fix is offered: ${actions.map((x) => x.title).join(' | ')}`);
    // The vault already has this name from the failed attempt above: the fix asks, and a new version is stored.
    const out = await answered(a, ['Store as New Version'], () => vscode.commands.executeCommand<SecretMoveResult>(fix.command!.command, ...(fix.command!.arguments ?? [])));
    assert.deepEqual(out?.moves.map((m) => [m.from, m.to, m.outcome]), [[MOVED, MOVED, 'moved']], JSON.stringify(out));
    assert.ok(!out.moves[0].message.includes('the-api-key'), 'no value in the message');
    assert.equal((await vault.getSecret(MOVED)).value, 'the-api-key', 'the local Key Vault holds the value');
    const manifest = JSON.parse(diskText()) as { sources: { auth: { secret: unknown } }[] };
    assert.deepEqual(manifest.sources[0].auth.secret, { keyVaultSecret: MOVED });
    assert.equal(await storage.get(MOVED), undefined, 'deleted from SecretStorage after the writes');
    await until(() => (ours().length === 0 ? true : undefined), 'the warning to go');
    assert.ok(!diskText().includes('the-api-key'), 'no value in eventline.json');
  });

  it('a secret in neither place: nothing changes, and the message names it and says to run Set Secret', async () => {
    await writeManifest(a, legacyManifest(MISSING));
    const before = diskText();
    const out = await vscode.commands.executeCommand<SecretMoveResult>('eventline.migrateSecretReferences', { secretStorage: MISSING });
    assert.equal(out?.moves[0].outcome, 'failed');
    assert.equal(out.moves[0].setSecret, true);
    assert.match(out.moves[0].message, new RegExp(`Secret "${MISSING}" \\(used by source "sensors"\\) is not in VS Code's SecretStorage.*Eventline: Set Secret", name it "${MISSING}"`));
    assert.equal(diskText(), before, 'eventline.json unchanged');
    await until(() => (ours().length === 1 ? true : undefined), 'the warning to stay');
  });

  it('Move Secrets to the Local Key Vault does every reference: moves, rewrites a name the vault has, fixes an invalid name', async () => {
    await vault.setSecret(IN_VAULT, 'vault-value');
    await storage.store(DOTTED, 'dotted-value');
    const m = legacyManifest(IN_VAULT) as { sources: Record<string, unknown>[] };
    m.sources.push({ name: 'second', url: 'http://127.0.0.1:5400/other', recordsPath: 'items', auth: { query: 'key', secret: { secretStorage: DOTTED } } });
    m.sources.push({ name: 'third', url: 'http://127.0.0.1:5400/third', recordsPath: 'items', auth: { header: 'k', secret: { secretStorage: IN_VAULT } } });
    await writeManifest(a, m);
    await until(() => (ours().length === 3 ? true : undefined), 'three warnings');
    const out = await vscode.commands.executeCommand<SecretMoveResult>('eventline.migrateSecretReferences');
    const dotted = `dotted-key-${RUN}`;
    assert.deepEqual(out?.moves.map((x) => [x.from, x.to, x.outcome]), [[IN_VAULT, IN_VAULT, 'rewritten'], [DOTTED, dotted, 'moved']], JSON.stringify(out));
    const after = JSON.parse(diskText()) as { sources: { auth: { secret: unknown } }[] };
    assert.deepEqual(after.sources.map((s) => s.auth.secret), [{ keyVaultSecret: IN_VAULT }, { keyVaultSecret: dotted }, { keyVaultSecret: IN_VAULT }]);
    assert.equal((await vault.getSecret(IN_VAULT)).value, 'vault-value', 'the vault\'s value was left alone');
    assert.equal((await vault.getSecret(dotted)).value, 'dotted-value');
    assert.equal(await storage.get(DOTTED), undefined);
    await until(() => (ours().length === 0 ? true : undefined), 'the warnings to go');
    assert.equal(a.prompts.pending, 0);
  });
});
