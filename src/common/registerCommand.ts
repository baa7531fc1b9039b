import * as vscode from 'vscode';
import { isNotSignedIn, isUserCancelled } from '../core/errors';

/** Registers a command whose failures become a readable message and a log line, never an unhandled rejection. */
export function registerCommand(id: string, log: vscode.LogOutputChannel, handler: (...args: any[]) => unknown): vscode.Disposable { // eslint-disable-line @typescript-eslint/no-explicit-any
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (e) {
      if (isUserCancelled(e)) return undefined;
      if (isNotSignedIn(e)) {
        const choice = await vscode.window.showInformationMessage((e as Error).message, 'Sign In');
        if (choice) await vscode.commands.executeCommand('eventline.signIn');
        return undefined;
      }
      const message = errorText(e);
      log.error(`${id}: ${message}`);
      void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => { if (choice) log.show(); });
      return undefined;
    }
  });
}

/**
 * An error as a sentence, never empty: Node reports a failed connect to every address of a host as an AggregateError
 * with no message (its reasons are inside), and an empty message reaches the user as "An unknown error occurred".
 */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return typeof e === 'object' && e !== null ? JSON.stringify(e) : String(e);
  if (e.message) return e.message;
  const inner = (e as { errors?: unknown[] }).errors;
  if (Array.isArray(inner) && inner.length) return errorText(inner[0]);
  const code = (e as { code?: unknown }).code;
  return `${e.name}${typeof code === 'string' ? ` (${code})` : ''}`;
}
