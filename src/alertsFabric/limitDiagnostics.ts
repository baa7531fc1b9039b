// Activator's email limits as warnings on eventline.json: a rule that can send one recipient more emails an hour
// than Activator delivers (core/alerts/limits.ts, fabric-docs activator-limitations.md) gets a warning at its
// cooldown (or its name), so the fix is one edit away. Errors in the manifest are the manifest store's business.
import * as vscode from 'vscode';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { ruleLimitWarnings } from '../core/alerts/limits';
import { normalizeAlerts } from '../core/alerts/rule';
import type { ManifestState, ManifestStore } from '../manifest/manifestStore';

export const LIMITS_SOURCE = 'Eventline (Activator limits)';

export class LimitDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('eventline-activator-limits');
  private readonly sub: vscode.Disposable;
  private generation = 0;

  constructor(manifests: ManifestStore, private readonly log: vscode.LogOutputChannel) {
    this.sub = manifests.onDidChange((s) => { void this.update(s); });
    void this.update(manifests.state);
  }

  private async update(state: ManifestState): Promise<void> {
    const gen = ++this.generation;
    this.collection.clear();
    if (state.kind !== 'loaded' || !state.ok) return;
    const { rules } = normalizeAlerts(state.manifest.alerts);
    const warnings = ruleLimitWarnings(rules);
    if (!warnings.length) return;
    try {
      const doc = await vscode.workspace.openTextDocument(state.uri);
      if (gen !== this.generation) return;
      const root = parseTree(doc.getText());
      const alerts = state.manifest.alerts ?? [];
      this.collection.set(state.uri, warnings.map((w) => {
        const i = alerts.findIndex((a) => a.name === w.rule);
        const node = (root && (findNodeAtLocation(root, ['alerts', i, w.field ?? 'name']) ?? findNodeAtLocation(root, ['alerts', i, 'name']))) || undefined;
        const start = doc.positionAt(node?.offset ?? 0);
        const d = new vscode.Diagnostic(new vscode.Range(start, doc.positionAt((node?.offset ?? 0) + (node?.length ?? 1))), w.message, vscode.DiagnosticSeverity.Warning);
        d.source = LIMITS_SOURCE;
        return d;
      }));
    } catch (e) {
      this.log.warn(`Activator limit warnings: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  dispose(): void {
    this.sub.dispose();
    this.collection.dispose();
  }
}
