// Hub → table connections in VS Code: deploying them as a Fabric Eventstream (the local connector that carries them
// in the local profile lives in eventline-local).
import * as vscode from 'vscode';
import { registerCommand } from '../common/registerCommand';
import { deployEventstream, type ConnectionsDeps } from './deployEventstream';

export type { ConnectionsDeps, EventstreamOutcome } from './deployEventstream';

export function registerConnections(deps: ConnectionsDeps): vscode.Disposable {
  return vscode.Disposable.from(
    registerCommand('eventline.deployEventstream', deps.log, (arg?: unknown) => deployEventstream(deps, arg)),
  );
}
