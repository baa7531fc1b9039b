import type * as vscode from 'vscode';
import type { LocalPipelineSupervisor } from '../localPipeline/supervisor';
import type { ManifestStore } from '../manifest/manifestStore';
import type { PipelineModel } from '../model/pipelineModel';
import type { KqlNotebooks } from '../notebook';

/** What the alert commands and panels need from the rest of the extension. */
export interface AlertsUiDeps {
  extensionUri: vscode.Uri;
  model: PipelineModel;
  manifests: ManifestStore;
  local: LocalPipelineSupervisor;
  connections: KqlNotebooks['connections'];
  log: vscode.LogOutputChannel;
  /** Redraws the tree's Alerts group. */
  refresh: () => void;
}
