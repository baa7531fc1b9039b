// `npm start` opens the workbench on the Eventline view instead of the Explorer, and on the first start (a freshly
// created demo workspace) on the walkthrough too. scripts/start.js says which through the extension host's
// environment, so a workspace opened any other way keeps the editor's own layout.
import * as vscode from 'vscode';

/** `view`: show the Eventline view; `walkthrough`: that and, once, the "Get started with Eventline" walkthrough. */
export const OPEN_ON_START_ENV = 'EVENTLINE_OPEN_ON_START';
export const WALKTHROUGH_ID = 'eventline.eventline#eventline.gettingStarted';
const WALKTHROUGH_SHOWN = 'eventline.walkthroughShown';

export async function openOnStart(what: string | undefined, state: vscode.Memento): Promise<void> {
  if (what !== 'view' && what !== 'walkthrough') return;
  await vscode.commands.executeCommand('workbench.view.extension.eventline');
  if (what === 'walkthrough' && !state.get<boolean>(WALKTHROUGH_SHOWN)) {
    await state.update(WALKTHROUGH_SHOWN, true);
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false);
  }
}
