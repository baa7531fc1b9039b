import * as vscode from 'vscode';
import { errorText, isNotSignedIn, isUserCancelled } from '../core/errors';

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

