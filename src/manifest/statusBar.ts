import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import type { AzureAuth } from '../auth/azureAuth';
import type { ProfileState } from './profileState';

/** "Eventline: <profile> · <account>" in the status bar; clicking it selects the profile. */
export class ProfileStatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('eventline.profile', vscode.StatusBarAlignment.Left, 50));

  constructor(private readonly profiles: ProfileState, private readonly auth: AzureAuth) {
    super();
    this.item.name = 'Eventline Profile';
    this.item.command = 'eventline.selectProfile';
    this.register(profiles.onDidChange(() => { void this.update(); }));
    this.register(auth.onDidChange(() => { void this.update(); }));
    void this.update();
  }

  async update(): Promise<void> {
    const p = this.profiles.current();
    if (!p) { this.item.hide(); return; }
    let account: string | undefined;
    if (p.kind === 'azure') {
      try { account = (await this.auth.account())?.label; } catch { account = undefined; }
    }
    const who = p.kind === 'local' ? 'local pipeline' : account ?? 'not signed in';
    this.item.text = `$(${p.kind === 'local' ? 'vm' : 'azure'}) ${p.name} · ${who}`;
    this.item.tooltip = `Eventline profile "${p.name}" (${p.kind === 'local' ? 'everything on the local pipeline' : `Azure${account ? `, signed in as ${account}` : ''}`}). Click to change.`;
    this.item.accessibilityInformation = { label: `Eventline profile ${p.name}, ${who}` };
    this.item.show();
  }
}
