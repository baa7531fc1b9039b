// The one place that builds Azure clients. SDKs are imported lazily so activation never pays for them.
import type { TokenCredential } from '@azure/core-auth';
import type { EventHubConsumerClient, EventHubConsumerClientOptions, EventHubProducerClient } from '@azure/event-hubs';
import type { EventHubManagementClient } from '@azure/arm-eventhub';
import type { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import type { SecretClient } from '@azure/keyvault-secrets';
import type { Client as KustoClient } from 'azure-kusto-data';
import type { WebSiteManagementClient } from '@azure/arm-appservice';
import type { AuthorizationManagementClient } from '@azure/arm-authorization';
import type { StorageManagementClient } from '@azure/arm-storage';
import type { ResourceManagementClient } from '@azure/arm-resources';
import { defaultScope, type CloudSettings } from '../core/cloud';
import { APP_SERVICE_API_VERSION } from '../core/deploy/constants';
import { guardLinkAddress } from './amqpLinkFix';
import { FabricClient } from './fabric';

export async function subscriptionClient(credential: TokenCredential, cloud: CloudSettings): Promise<SubscriptionClient> {
  const { SubscriptionClient } = await import('@azure/arm-resources-subscriptions');
  return new SubscriptionClient(credential, { endpoint: cloud.resourceManagerEndpoint, credentials: { scopes: [defaultScope(cloud.resourceManagerAudience)] } });
}

export async function eventHubManagementClient(credential: TokenCredential, cloud: CloudSettings, subscriptionId: string): Promise<EventHubManagementClient> {
  const { EventHubManagementClient } = await import('@azure/arm-eventhub');
  return new EventHubManagementClient(credential, subscriptionId, { endpoint: cloud.resourceManagerEndpoint, credentials: { scopes: [defaultScope(cloud.resourceManagerAudience)] } });
}

// The function deploy's Resource Manager clients. Their pipelines retry 429 and transient 5xx with Retry-After
// (core-rest-pipeline's default retry policy) and take an abortSignal per call.
const armOptions = (cloud: CloudSettings) => ({ endpoint: cloud.resourceManagerEndpoint, credentials: { scopes: [defaultScope(cloud.resourceManagerAudience)] } });

export async function webSiteManagementClient(credential: TokenCredential, cloud: CloudSettings, subscriptionId: string): Promise<WebSiteManagementClient> {
  const { WebSiteManagementClient } = await import('@azure/arm-appservice');
  return new WebSiteManagementClient(credential, subscriptionId, { ...armOptions(cloud), apiVersion: APP_SERVICE_API_VERSION });
}

export async function authorizationClient(credential: TokenCredential, cloud: CloudSettings, subscriptionId: string): Promise<AuthorizationManagementClient> {
  const { AuthorizationManagementClient } = await import('@azure/arm-authorization');
  // A core-client SDK: its token scope is `credentialScopes` (else `<endpoint>/.default`, wrong for a stand-in or a
  // sovereign endpoint whose audience differs).
  return new AuthorizationManagementClient(credential, subscriptionId, { endpoint: cloud.resourceManagerEndpoint, credentialScopes: [defaultScope(cloud.resourceManagerAudience)] });
}

export async function storageManagementClient(credential: TokenCredential, cloud: CloudSettings, subscriptionId: string): Promise<StorageManagementClient> {
  const { StorageManagementClient } = await import('@azure/arm-storage');
  return new StorageManagementClient(credential, subscriptionId, armOptions(cloud));
}

export async function resourceManagementClient(credential: TokenCredential, cloud: CloudSettings, subscriptionId: string): Promise<ResourceManagementClient> {
  const { ResourceManagementClient } = await import('@azure/arm-resources');
  return new ResourceManagementClient(credential, subscriptionId, armOptions(cloud));
}

export type EventHubTarget =
  | { kind: 'connectionString'; connectionString: string; hub: string }
  | { kind: 'credential'; host: string; hub: string; credential: TokenCredential };

/** @azure/event-hubs, with the guard for its AMQP layer's known throw (amqpLinkFix.ts) in place before any client exists. */
async function eventHubsSdk(): Promise<typeof import('@azure/event-hubs')> {
  const [sdk, rhea] = await Promise.all([import('@azure/event-hubs'), import('rhea-promise')]);
  guardLinkAddress(rhea);
  return sdk;
}

/** A consumer client for reading metadata and events; the caller closes it. Never sets an owner level. */
export async function eventHubConsumerClient(target: EventHubTarget, consumerGroup = '$Default', options?: EventHubConsumerClientOptions): Promise<EventHubConsumerClient> {
  const { EventHubConsumerClient } = await eventHubsSdk();
  return target.kind === 'connectionString'
    ? new EventHubConsumerClient(consumerGroup, target.connectionString, target.hub, options)
    : new EventHubConsumerClient(consumerGroup, target.host, target.hub, target.credential, options);
}

/** A producer for test events and replays; the caller closes it. */
export async function eventHubProducerClient(target: EventHubTarget): Promise<EventHubProducerClient> {
  const { EventHubProducerClient } = await eventHubsSdk();
  return target.kind === 'connectionString'
    ? new EventHubProducerClient(target.connectionString, target.hub)
    : new EventHubProducerClient(target.host, target.hub, target.credential);
}

const kustoClients = new Map<string, Promise<KustoClient>>();

/** A Kusto client per cluster; `credential` undefined means no auth (the local Eventhouse). */
export function kustoClient(uri: string, credential: TokenCredential | undefined): Promise<KustoClient> {
  // Clients are cached per cluster but never per token: the credential fetches a fresh token per request.
  const key = `${credential ? 'aad' : 'none'}|${uri}`;
  let client = kustoClients.get(key);
  if (!client) {
    client = (async () => {
      const { Client, KustoConnectionStringBuilder } = await import('azure-kusto-data');
      return credential ? new Client(KustoConnectionStringBuilder.withTokenCredential(uri, credential)) : new Client(uri);
    })();
    kustoClients.set(key, client);
  }
  return client;
}

/**
 * A Kusto client of its own for one query run. azure-kusto-data can only abort requests by closing the whole
 * client, so a cancellable run gets a client nobody else shares; the caller closes it.
 */
export async function kustoQueryClient(uri: string, credential: TokenCredential | undefined): Promise<KustoClient> {
  const { Client, KustoConnectionStringBuilder } = await import('azure-kusto-data');
  return credential ? new Client(KustoConnectionStringBuilder.withTokenCredential(uri, credential)) : new Client(uri);
}

/** Closes a client from kustoQueryClient: aborts what it still sends and frees its keep-alive sockets. */
export function closeKustoQueryClient(client: KustoClient): void {
  client.close();
  // close() only cancels requests; the client's own keep-alive agents would hold idle sockets until the server drops them.
  const defaults = client.axiosInstance.defaults as { httpAgent?: { destroy?(): void }; httpsAgent?: { destroy?(): void } };
  defaults.httpAgent?.destroy?.();
  defaults.httpsAgent?.destroy?.();
}

export function fabricClient(token: (audience: string, signal: AbortSignal) => Promise<string>, cloud: CloudSettings, timeoutMs: number): FabricClient {
  return new FabricClient(cloud.fabricEndpoint, (signal) => token(cloud.fabricAudience, signal), timeoutMs);
}

/**
 * A Key Vault secrets client. For the local Key Vault pass its CA (the extension host cannot use
 * NODE_EXTRA_CA_CERTS, which Node reads only at start) and `local`: its 127.0.0.1 address is not under
 * vault.azure.net, so the challenge's resource is not checked against the host.
 */
export async function secretClient(vaultUri: string, credential: TokenCredential, opts: { ca?: string; local?: boolean } = {}): Promise<SecretClient> {
  const { SecretClient } = await import('@azure/keyvault-secrets');
  return new SecretClient(vaultUri, credential, {
    ...(opts.local ? { disableChallengeResourceVerification: true } : {}),
    ...(opts.ca ? { tlsOptions: { ca: opts.ca } } : {}),
  });
}
