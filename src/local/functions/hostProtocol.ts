// Messages between the function runner (parent) and the function host (child process, dist/functionHost.js), over
// Node's IPC channel. One host per function project; it is replaced after a rebuild, a settings change, a crash
// or a timeout, as the Functions host restarts its worker.

export interface RegisteredFunction {
  name: string;
  /** The trigger binding's type, e.g. timerTrigger. */
  trigger: string;
  schedule?: string;
  runOnStartup?: boolean;
}

export interface SerializedError { name: string; message: string; stack?: string; summary?: unknown }

export interface TimerInfo {
  isPastDue: boolean;
  schedule: { adjustForDST: boolean };
  scheduleStatus: { last: string; next: string; lastUpdated: string };
}

export type ToHost =
  | { type: 'load'; bundle: string }
  | { type: 'invoke'; id: string; name: string; timer: TimerInfo };

export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error';

export type FromHost =
  | { type: 'loaded'; functions: RegisteredFunction[] }
  | { type: 'loadFailed'; error: SerializedError }
  | { type: 'log'; id?: string; level: LogLevel; message: string }
  | { type: 'done'; id: string; result: unknown }
  | { type: 'failed'; id: string; error: SerializedError }
  | { type: 'crash'; error: SerializedError };
