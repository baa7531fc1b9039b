// bench:dashboard drives the dashboard editor's own host code (DashboardSession → DashboardQueries → the notebooks'
// runKql) outside VS Code. Those modules use only a handful of plain vscode classes (EventEmitter,
// CancellationTokenSource, Disposable) and two workspace look-ups; this stands in for exactly those, and the
// bench imports it before anything that requires 'vscode'. Nothing here touches the query path itself.
import Module from 'node:module';

type Listener<T> = (e: T) => unknown;

class Disposable {
  constructor(private readonly fn: () => void) {}
  static from(...items: { dispose(): unknown }[]): Disposable { return new Disposable(() => { for (const i of items) i.dispose(); }); }
  dispose(): void { this.fn(); }
}

class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return new Disposable(() => this.listeners.delete(listener));
  };
  fire(e: T): void { for (const l of [...this.listeners]) l(e); }
  dispose(): void { this.listeners.clear(); }
}

class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  readonly token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    if (this.token.isCancellationRequested) return;
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose(): void { this.emitter.dispose(); }
}

const shim = {
  Disposable,
  EventEmitter,
  CancellationTokenSource,
  workspace: {
    asRelativePath: (uri: { path?: string } | string): string => (typeof uri === 'string' ? uri : uri.path ?? ''),
    // Settings as a user who changed nothing has them (the query timeout's default).
    getConfiguration: () => ({ get: <T>(_key: string, fallback?: T): T | undefined => fallback }),
  },
};

const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
(Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? shim : load.call(this, request, ...rest);
};
