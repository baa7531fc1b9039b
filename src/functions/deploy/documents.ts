import * as vscode from 'vscode';
import { Disposable } from '../../common/disposable';

export const DEPLOY_SCHEME = 'eventline-deploy';

/**
 * Read-only Markdown documents for the deploy plan and the verification (a content provider's documents cannot be
 * edited or saved by mistake). Each has a stable URI per app, so a new plan replaces the old one in place.
 */
export class DeployDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private readonly texts = new Map<string, string>();

  constructor() {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(DEPLOY_SCHEME, this));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** The text last shown at `uri`. */
  text(uri: vscode.Uri): string | undefined {
    return this.texts.get(uri.toString());
  }

  static uri(app: string, kind: 'plan' | 'verification' | 'logs'): vscode.Uri {
    return vscode.Uri.from({ scheme: DEPLOY_SCHEME, path: `/${app}/${kind === 'plan' ? 'Deploy plan' : kind === 'verification' ? 'Verification' : 'Function logs'}.md` });
  }

  async show(uri: vscode.Uri, text: string): Promise<vscode.TextEditor> {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'markdown') await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    return vscode.window.showTextDocument(doc, { preview: false });
  }
}
