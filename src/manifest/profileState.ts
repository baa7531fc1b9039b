import * as vscode from 'vscode';
import { resolveProfile, type ResolvedProfile } from '../core/profiles';
import { Disposable } from '../common/disposable';
import type { ManifestStore } from './manifestStore';

const KEY = 'eventline.profile';

/** The active profile: picked with "Eventline: Select Profile" (per workspace), else the manifest's choice. */
export class ProfileState extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  constructor(private readonly manifests: ManifestStore, private readonly state: vscode.Memento) {
    super();
    this.register(manifests.onDidChange(() => this.changed.fire()));
  }

  get picked(): string | undefined { return this.state.get<string>(KEY); }

  current(): ResolvedProfile | undefined {
    const s = this.manifests.state;
    return s.kind === 'loaded' && s.ok ? resolveProfile(s.manifest, this.picked) : undefined;
  }

  async pick(name: string): Promise<void> {
    await this.state.update(KEY, name);
    this.changed.fire();
  }
}
