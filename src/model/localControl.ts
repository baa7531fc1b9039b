// The extension's client of the local pipeline's control API, typed by src/protocol/controlApi.ts.
import { ServiceError } from '../core/errors';
import { CONTROL_PATHS, type ControlErrorBody, type HubInfo, type HubList } from '../protocol/controlApi';

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

  /** A request with the control API's JSON conventions; an error reply becomes a ServiceError with its message. */
  async json<T>(path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const res = await fetch(`${this.base}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
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
