// The function host: a child process that loads one built function project and invokes its handlers, the way the
// Azure Functions Node worker does. It provides `@azure/functions-core` (which the real `@azure/functions`
// library looks for to register functions), builds each invocation's context with that library's own
// InvocationContext, and reports logs and results to the runner over IPC. Anything the user's code does wrong
// (throws, never settles, exits, crashes) stays in this process.
import Module from 'node:module';
import { format } from 'node:util';
import type { FromHost, LogLevel, RegisteredFunction, SerializedError, ToHost } from './hostProtocol';

type Handler = (trigger: unknown, context: unknown) => unknown;
interface Registered { info: RegisteredFunction; handler: Handler }

const registry = new Map<string, Registered>();
let InvocationContext: (new (init: unknown) => unknown) | undefined;
let current: string | undefined;

function send(msg: FromHost): void {
  process.send?.(msg);
}

function serialize(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack, summary: (e as { summary?: unknown }).summary };
  return { name: 'Error', message: typeof e === 'string' ? e : format(e) };
}

const coreApi = {
  version: '3.10.1',
  registerFunction(metadata: { name: string; bindings: Record<string, { type: string; direction: string; schedule?: string; runOnStartup?: boolean }> }, callback: Handler) {
    const trigger = Object.values(metadata.bindings).find((b) => b.direction === 'in' && /trigger$/i.test(b.type));
    registry.set(metadata.name, { info: { name: metadata.name, trigger: trigger?.type ?? 'unknown', schedule: trigger?.schedule, runOnStartup: trigger?.runOnStartup }, handler: callback });
    return { dispose: () => registry.delete(metadata.name) };
  },
  setProgrammingModel() { /* the runner calls handlers directly */ },
  getProgrammingModel() { return undefined; },
  registerHook() { return { dispose() { /* hooks are not run locally */ } }; },
  log(level: string, _category: string, message: string) { send({ type: 'log', id: current, level: toLevel(level), message }); },
};

function toLevel(level: string): LogLevel {
  switch (level) {
    case 'trace': case 'debug': case 'information': case 'warning': case 'error': return level;
    case 'critical': return 'error';
    default: return 'information';
  }
}

const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
(Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load = function (request: string, ...rest: unknown[]) {
  if (request === '@azure/functions-core') return coreApi;
  return load.call(this, request, ...rest);
};

// User code that logs with console.* outside a context still shows up, as it does in Azure.
for (const [method, level] of [['log', 'information'], ['info', 'information'], ['warn', 'warning'], ['error', 'error'], ['debug', 'debug'], ['trace', 'trace']] as const) {
  console[method] = (...args: unknown[]) => send({ type: 'log', id: current, level, message: format(...args) });
}

process.on('uncaughtException', (e) => {
  send({ type: 'crash', error: serialize(e) });
  process.exit(70);
});
process.on('unhandledRejection', (e) => {
  send({ type: 'crash', error: serialize(e) });
  process.exit(70);
});

process.on('message', (msg: ToHost) => {
  if (msg.type === 'load') {
    try {
      process.setSourceMapsEnabled(true);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exported = require(msg.bundle) as { __InvocationContext?: new (init: unknown) => unknown };
      InvocationContext = exported.__InvocationContext;
      send({ type: 'loaded', functions: [...registry.values()].map((r) => r.info) });
    } catch (e) {
      send({ type: 'loadFailed', error: serialize(e) });
    }
    return;
  }
  if (msg.type === 'invoke') void invoke(msg.id, msg.name, msg.timer);
});

async function invoke(id: string, name: string, timer: unknown): Promise<void> {
  const fn = registry.get(name);
  if (!fn) {
    send({ type: 'failed', id, error: { name: 'Error', message: `The project registers no function named "${name}".` } });
    return;
  }
  current = id;
  const logHandler = (level: string, ...args: unknown[]) => send({ type: 'log', id, level: toLevel(level), message: format(...args) });
  const init = { invocationId: id, functionName: name, logHandler, options: { trigger: { name: 'myTimer', type: fn.info.trigger }, extraInputs: [], extraOutputs: [] } };
  const context = InvocationContext ? new InvocationContext(init) : fallbackContext(init);
  try {
    const result: unknown = await fn.handler(timer, context);
    send({ type: 'done', id, result: plain(result) });
  } catch (e) {
    send({ type: 'failed', id, error: serialize(e) });
  } finally {
    current = undefined;
  }
}

/** For a project whose bundle did not export the library's class (it does when built by the runner). */
function fallbackContext(init: { invocationId: string; functionName: string; logHandler: (level: string, ...args: unknown[]) => void }) {
  const l = (level: string) => (...args: unknown[]) => init.logHandler(level, ...args);
  return { invocationId: init.invocationId, functionName: init.functionName, log: l('information'), trace: l('trace'), debug: l('debug'), info: l('information'), warn: l('warning'), error: l('error') };
}

/** Only JSON crosses the IPC channel. */
function plain(v: unknown): unknown {
  if (v === undefined) return undefined;
  try { return JSON.parse(JSON.stringify(v)) as unknown; } catch { return format(v); }
}
