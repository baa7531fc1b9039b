import * as vscode from 'vscode';

/** Thrown when the user backs out of a prompt; it ends the command quietly. */
export class UserCancelledError extends Error {
  readonly isUserCancelled = true;
  constructor() { super('Cancelled'); }
}

function isUserCancelled(e: unknown): boolean {
  // Duck-typed so the check survives duplicated bundles.
  return typeof e === 'object' && e !== null && (e as { isUserCancelled?: unknown }).isUserCancelled === true;
}

/** Registers a command whose failures become a readable message and a log line, never an unhandled rejection. */
export function registerCommand(id: string, log: vscode.LogOutputChannel, handler: (...args: any[]) => unknown): vscode.Disposable { // eslint-disable-line @typescript-eslint/no-explicit-any
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (e) {
      if (isUserCancelled(e)) return undefined;
      const message = e instanceof Error ? e.message : String(e);
      log.error(`${id}: ${message}`);
      void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => { if (choice) log.show(); });
      return undefined;
    }
  });
}
