// STUB — replaced by the KQL language work (src/language/**). Keeps extension.ts wiring stable meanwhile.
import * as vscode from 'vscode';
import type { KqlSchemaSource } from '../core/kql/schemaSource';

export function registerKqlLanguage(_context: vscode.ExtensionContext, _log: vscode.LogOutputChannel, _schema: KqlSchemaSource): vscode.Disposable {
  return new vscode.Disposable(() => undefined);
}
