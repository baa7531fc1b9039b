import * as vscode from 'vscode';
import { describeRun, secretNamedBy } from '../core/functionRuns';
import { isUserCancelled } from '../core/errors';
import { prompts } from '../common/prompt';
import type { PipelineModel } from '../model/pipelineModel';
import { refOf, type FunctionRef } from '../model/refs';
import type { FunctionRunResult } from '../protocol/controlApi';
import type { FunctionActivity } from './functionActivity';

/** The function a command is about: its row or reference, the only one there is, or the user's pick. */
async function functionArg(model: PipelineModel, arg: unknown, title: string): Promise<FunctionRef> {
  const ref = refOf(arg);
  if (ref?.kind === 'function') return ref;
  const defs = model.functions.defs();
  if (defs.length === 0) throw new Error('eventline.json has no ingest function yet: run "Eventline: Scaffold Ingest Function" first.');
  if (defs.length === 1) return { kind: 'function', name: defs[0].name };
  return prompts.pick(defs.map((d) => ({ label: d.name, description: `${d.source} → ${d.hub}`, detail: d.path, value: { kind: 'function' as const, name: d.name } })), { title });
}

/**
 * "Eventline: Run Ingest Function Now": runs it in the local pipeline with a progress notification and shows the
 * result. Cancel stops waiting (the run itself is bounded by the function's timeout in the runner). Returns the
 * result, or undefined when the user stopped waiting.
 */
export async function runFunctionNow(model: PipelineModel, activity: FunctionActivity, arg: unknown): Promise<FunctionRunResult | undefined> {
  const ref = await functionArg(model, arg, 'Eventline: Run Ingest Function Now');
  const following = activity.beginRun();
  let result: FunctionRunResult;
  try {
    result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Eventline: running "${ref.name}" in the local pipeline…`, cancellable: true }, (_progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return model.functions.run(ref, controller.signal);
    });
  } catch (e) {
    if (!isUserCancelled(e)) throw e;
    void vscode.window.showInformationMessage(`Stopped waiting for "${ref.name}": the run goes on in the local pipeline and its result shows in the Pipeline view.`);
    return undefined;
  } finally {
    following.dispose();
  }
  const message = describeRun(ref.name, result);
  activity.append(`${new Date().toISOString()} [${result.status === 'succeeded' ? 'info' : 'error'}] Run Now: ${message}`);
  if (result.status === 'succeeded') {
    void vscode.window.showInformationMessage(message, 'Show Log').then((choice) => { if (choice) activity.show(); });
  } else {
    const secret = secretNamedBy(result.error?.message);
    const buttons = secret ? ['Set Secret', 'Show Log'] : ['Show Log'];
    void vscode.window.showErrorMessage(message, ...buttons).then(async (choice) => {
      if (choice === 'Show Log') activity.show();
      if (choice === 'Set Secret') await vscode.commands.executeCommand('eventline.setSecret', { kind: 'secret', name: secret });
    });
  }
  return result;
}
