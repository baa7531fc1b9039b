// The extension's client of the local pipeline's control API, typed by src/protocol/controlApi.ts.
import { ServiceError } from '../core/errors';
import { CONTROL_PATHS, type ControlErrorBody, type FunctionList, type FunctionLogPage, type FunctionRunResult, type HubInfo, type HubList, type SourceList } from '../protocol/controlApi';

export class LocalControlClient {
  constructor(private readonly base: string, private readonly timeoutMs: number) {}

  listHubs(signal?: AbortSignal): Promise<HubList> {
    return this.json<HubList>(CONTROL_PATHS.eventHubs, {}, signal);
  }

  hub(name: string, signal?: AbortSignal): Promise<HubInfo> {
    return this.json<HubInfo>(CONTROL_PATHS.eventHub(name), {}, signal);
  }

  async putConsumerGroup(hub: string, group: string, signal?: AbortSignal): Promise<HubInfo> {
    return this.json<HubInfo>(CONTROL_PATHS.consumerGroup(hub, group), { method: 'PUT' }, signal);
  }

  // ─── Ingest functions ───

  listFunctions(signal?: AbortSignal): Promise<FunctionList> {
    return this.json<FunctionList>(CONTROL_PATHS.functions, {}, signal);
  }

  /** Waits for the run: bounded by the caller's signal and the function's own timeout in the runner, not by ours. */
  runFunction(name: string, signal?: AbortSignal): Promise<FunctionRunResult> {
    return this.json<FunctionRunResult>(CONTROL_PATHS.functionRun(name), { method: 'POST' }, signal, 0);
  }

  functionLogs(name: string, after: number, signal?: AbortSignal): Promise<FunctionLogPage> {
    return this.json<FunctionLogPage>(CONTROL_PATHS.functionLogs(name, after), {}, signal);
  }

  reloadFunctions(signal?: AbortSignal): Promise<FunctionList> {
    return this.json<FunctionList>(CONTROL_PATHS.functionsReload, { method: 'POST' }, signal);
  }

  listSources(signal?: AbortSignal): Promise<SourceList> {
    return this.json<SourceList>(CONTROL_PATHS.sources, {}, signal);
  }

  /**
   * A request with the control API's JSON conventions; an error reply becomes a ServiceError with its message.
   * `timeoutMs` 0: no deadline of its own.
   */
  async json<T>(path: string, init: RequestInit = {}, signal?: AbortSignal, timeoutMs = this.timeoutMs): Promise<T> {
    const signals = [signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
    const res = await fetch(`${this.base}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
      signal: signals.length ? AbortSignal.any(signals) : undefined,
    });
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try { message = (JSON.parse(text) as ControlErrorBody).error?.message ?? text; } catch { /* not JSON */ }
      throw new ServiceError('local pipeline', res.status, `The local pipeline answered ${res.status}: ${message}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
