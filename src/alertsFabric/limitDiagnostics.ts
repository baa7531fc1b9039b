// Activator's email limits as warnings on eventline.json: a rule that can send one recipient more emails an hour
// than Activator delivers (core/alerts/limits.ts, fabric-docs activator-limitations.md) gets a warning at its
// cooldown (or its name), so the fix is one edit away. Errors in the manifest are the manifest store's business.
import * as vscode from 'vscode';
import { ruleLimitWarnings } from '../core/alerts/limits';
import { normalizeAlerts } from '../core/alerts/rule';
import { manifestLocator } from '../core/manifest';
import type { ManifestState, ManifestStore } from '../manifest/manifestStore';

export const LIMITS_SOURCE = 'Eventline (Activator limits)';

export class LimitDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('eventline-activator-limits');
  private readonly sub: vscode.Disposable;

  constructor(manifests: ManifestStore) {
    this.sub = manifests.onDidChange((s) => this.update(s));
    this.update(manifests.state);
  }

  // Positions come from the text the store parsed, not from the open document: after a write to disk the editor's
  // model can still hold the old text, and a warning placed by it lands on the wrong line (or at 1:1).
  private update(state: ManifestState): void {
    this.collection.clear();
    if (state.kind !== 'loaded' || !state.ok) return;
    const { rules } = normalizeAlerts(state.manifest.alerts);
    const warnings = ruleLimitWarnings(rules);
    if (!warnings.length) return;
    const alerts = state.manifest.alerts ?? [];
    const locate = manifestLocator(state.text);
    this.collection.set(state.uri, warnings.map((w) => {
      const i = alerts.findIndex((a) => a.name === w.rule);
      const at = locate(['alerts', i, w.field ?? 'name']) ?? locate(['alerts', i, 'name']);
      const range = at
        ? new vscode.Range(at.start.line - 1, at.start.column - 1, at.end.line - 1, at.end.column - 1)
        : new vscode.Range(0, 0, 0, 1);
      const d = new vscode.Diagnostic(range, w.message, vscode.DiagnosticSeverity.Warning);
      d.source = LIMITS_SOURCE;
      return d;
    }));
  }

  dispose(): void {
    this.sub.dispose();
    this.collection.dispose();
  }
}
