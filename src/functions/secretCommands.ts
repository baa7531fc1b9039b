// Set Secret, Copy Reference and Delete Secret: the active profile's Key Vault (the local one of eventline-local, or
// the profile's Azure Key Vault) through the model. A value is only ever typed into a password box and handed to
// the vault; no message, log line or return value carries it.
import * as vscode from 'vscode';
import { prompts, type Choice } from '../common/prompt';
import { secretNameProblem } from '../core/secretReferences';
import type { PipelineModel } from '../model/pipelineModel';
import { refOf } from '../model/refs';
import { isSecretDeleted, type VaultChoice } from '../model/secrets';

const ANOTHER = Symbol('another');

export interface SetSecretResult { name: string; vault: string; version?: string }

async function secretName(model: PipelineModel, arg: unknown, title: string, allowNew: boolean): Promise<string> {
  const ref = refOf(arg);
  if (ref?.kind === 'secret') return ref.name;
  const items: Choice<string | typeof ANOTHER>[] = model.secrets.references().map((r) => ({ label: r.name, description: `used by ${r.referencedBy.join(', ')}`, value: r.name }));
  if (!allowNew) {
    const listed = await model.secrets.list();
    for (const row of listed.rows) if (!items.some((i) => i.value === row.ref.name)) items.push({ label: row.ref.name, description: row.state, value: row.ref.name });
    if (items.length === 0) throw new Error(`${listed.vault} has no secrets yet: use "Eventline: Set Secret" first.`);
  } else {
    items.push({ label: '$(add) Another name…', value: ANOTHER });
  }
  const picked = items.length === 1 && allowNew ? ANOTHER : await prompts.pick(items, { title, placeHolder: 'The secret, by the name eventline.json refers to it' });
  if (picked !== ANOTHER) return picked;
  return (await prompts.input({ title, prompt: 'The secret\'s name in the Key Vault (letters, digits and dashes)', validate: secretNameProblem })).trim();
}

function where(model: PipelineModel): string {
  const p = model.snapshot()?.profile;
  return !p || p.kind === 'local' ? 'the local Key Vault' : `the Key Vault of profile "${p.name}"`;
}

/** "Eventline: Set Secret" (also Set New Version on a secret row). */
export async function setSecret(model: PipelineModel, arg: unknown): Promise<SetSecretResult> {
  const title = 'Eventline: Set Secret';
  const name = await secretName(model, arg, title, true);
  const value = await prompts.input({ title: `${title}: ${name}`, prompt: `The value goes to ${where(model)} only (never to a file or setting)`, password: true, validate: (v) => (v ? undefined : 'Type or paste the value.') });
  const result = await storeSecret(model, name, value, where(model), 'active');
  void vscode.window.showInformationMessage(`Secret "${name}" set in ${where(model)} (${result.vault}).`);
  return { name, vault: result.vault, version: result.version };
}

/**
 * Stores a value with progress; a deleted-but-recoverable name asks Recover or Purge first. What Set Secret does,
 * and what moving a secret out of VS Code's SecretStorage does with the local Key Vault.
 */
export async function storeSecret(model: PipelineModel, name: string, value: string, vaultLabel: string, which: VaultChoice): Promise<{ vault: string; version?: string }> {
  const store = (signal: AbortSignal) => model.secrets.set(name, value, signal, which);
  try {
    return await withVaultProgress(`Setting "${name}" in ${vaultLabel}…`, store);
  } catch (e) {
    if (!isSecretDeleted(e)) throw e;
    const choice = await prompts.confirm(e.message, { buttons: ['Recover', 'Purge'] as const, detail: 'Recover brings the old value back and then stores the new one as its next version; Purge removes the old one for good.' });
    return withVaultProgress(`${choice === 'Recover' ? 'Recovering' : 'Purging'} "${name}", then setting it…`, async (signal) => {
      if (choice === 'Recover') await model.secrets.recover(name, signal, which);
      else await model.secrets.purge(name, signal, which);
      return store(signal);
    });
  }
}

/** Copy Reference: the `@Microsoft.KeyVault(SecretUri=…)` text an app setting uses for this secret. */
export async function copySecretReference(model: PipelineModel, arg: unknown): Promise<string> {
  const name = await secretName(model, arg, 'Eventline: Copy Secret Reference', false);
  const text = await model.secrets.referenceText(name);
  await vscode.env.clipboard.writeText(text);
  void vscode.window.showInformationMessage(`Copied ${text}`);
  return text;
}

/** Delete Secret: a soft delete, recoverable until the vault purges it. */
export async function deleteSecret(model: PipelineModel, arg: unknown): Promise<string> {
  const name = await secretName(model, arg, 'Eventline: Delete Secret', false);
  await prompts.confirm(`Delete secret "${name}" from ${where(model)}?`, { buttons: ['Delete'] as const, detail: 'It stays recoverable until the vault purges it; Set Secret then offers Recover or Purge.' });
  await withVaultProgress(`Deleting "${name}"…`, (signal) => model.secrets.remove(name, signal));
  void vscode.window.showInformationMessage(`Secret "${name}" deleted (recoverable).`);
  return name;
}

export function withVaultProgress<T>(title: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_p, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    return work(controller.signal);
  }));
}
