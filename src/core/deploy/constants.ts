// Facts the function deploy depends on, each in one named place. Sources: /work/shared/specs/
// functions-fabric-activator.md (§1.3–1.7, §9) and azure-protocols.md §4. Where a fact is UNCONFIRMED, a wrong guess
// is a one-line fix here.

/**
 * Microsoft.Web api-version for every call on sites, plans and settings. Flex Consumption needs 2023-12-01 or later
 * (older versions reject functionAppConfig). 2024-11-01 is in azure-rest-api-specs' stable folder; the official
 * @azure/arm-appservice 19.0.0 defaults to 2025-05-01, which Learn shows but which is UNCONFIRMED as GA everywhere
 * (spec §9.7), so the client is pinned to this value.
 */
export const APP_SERVICE_API_VERSION = '2024-11-01';

/** Microsoft.Authorization roleAssignments (the api-version @azure/arm-authorization 9.0.0 sends, documented in §1.7). */
export const ROLE_ASSIGNMENTS_API_VERSION = '2022-04-01';

export interface RoleDefinition { id: string; name: string }

/** Built-in role definition ids (Learn built-in-roles.md; some public Bicep swaps Sender and Receiver: checked). */
export const ROLES = {
  eventHubsDataSender: { id: '2b629674-e913-4c01-ae53-ef4638d8f975', name: 'Azure Event Hubs Data Sender' },
  keyVaultSecretsUser: { id: '4633458b-17de-408a-b874-0445c86b69e6', name: 'Key Vault Secrets User' },
  storageBlobDataOwner: { id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', name: 'Storage Blob Data Owner' },
} as const satisfies Record<string, RoleDefinition>;

/** Who can grant a role (roleAssignments/write): what a 403 on a role assignment tells the user to ask for. */
export const ROLE_GRANTERS = 'Owner, User Access Administrator or Role Based Access Control Administrator';

/**
 * App settings the ingest function reads (functions-template/src/lib/settings.ts). `EventHubConnection` is the
 * connection prefix of an identity-based Event Hubs connection: `__fullyQualifiedNamespace` alone selects the
 * system-assigned identity (§1.1; official wording UNCONFIRMED, spec §9.9).
 */
export const SETTINGS = {
  eventHubNamespace: 'EventHubConnection__fullyQualifiedNamespace',
  hubName: 'INGEST_EVENTHUB_NAME',
  apiKey: 'INGEST_SOURCE_API_KEY',
  source: 'INGEST_SOURCE',
  schedule: 'INGEST_SCHEDULE',
  partitionKey: 'INGEST_PARTITION_KEY_FIELD',
  /** Identity-based host storage (Flex apps Eventline creates). */
  hostStorageAccount: 'AzureWebJobsStorage__accountName',
  /** Windows Consumption and Premium mount a zipdeploy package only with this set to 1 (§1.4). */
  runFromPackage: 'WEBSITE_RUN_FROM_PACKAGE',
} as const;

/** Settings that configure a local run only and must never reach Azure. */
export const LOCAL_ONLY_SETTINGS = ['EventHubConnection', 'INGEST_WATERMARK_DIR', 'AzureWebJobsStorage', 'FUNCTIONS_WORKER_RUNTIME'];

/** Kudu deploy status (projectkudu DeployStatus.cs): 0–2 still running, 4 success. */
export const DEPLOY_STATUS = { cancelled: -1, pending: 0, building: 1, deploying: 2, failed: 3, success: 4, conflict: 5, partialSuccess: 6 } as const;

/** How the `scm` site names Eventline in `deployer`/`author` (shown in the portal's deployment center). */
export const DEPLOYER = 'Eventline';

/**
 * Flex one-deploy. Only `RemoteBuild` and `Deployer` are confirmed (VS Code sends them); other query parameters are
 * UNCONFIRMED (spec §9.2). Node packages carry their bundle, so no remote build.
 */
export const FLEX_PUBLISH_PATH = '/api/publish';
export const flexPublishQuery = (deployer: string) => ({ RemoteBuild: 'false', Deployer: deployer });
/** Kudu zip deploy for Consumption (Windows), Premium and Dedicated (§1.4). */
export const ZIP_DEPLOY_PATH = '/api/zipdeploy';
export const zipDeployQuery = (deployer: string) => ({ isAsync: 'true', author: deployer, deployer, trackDeploymentId: 'true' });

/** The module the Functions Node worker provides at run time; @azure/functions loads it, so a bundle leaves it out. */
export const FUNCTIONS_WORKER_MODULE = '@azure/functions-core';
/** The library whose presence in the package decides whether the host finds any function (§1.2, pain point 4). */
export const FUNCTIONS_LIBRARY = '@azure/functions';

/**
 * Runtime versions offered when creating a Flex Consumption app (functionAppConfig.runtime): those the template's
 * engines.node admits (test/unit/engines.test.ts). Node 20 left in April 2026: its support ended, and the
 * template's @azure/identity declares Node ≥ 22.
 */
export const NODE_VERSIONS = ['22'] as const;
/** Flex plan SKU and app defaults (spec §1.3 example; the deployment container must exist before the first publish). */
export const FLEX_SKU = { name: 'FC1', tier: 'FlexConsumption' } as const;
export const FLEX_SCALE = { maximumInstanceCount: 100, instanceMemoryMB: 2048 } as const;

/** How long one Resource Manager call may take before the deploy reports it timed out (a hang must not stall it). */
export const ARM_CALL_TIMEOUT_MS = 120_000;
/** Creating a site, a plan or a storage account is a long-running operation. */
export const ARM_CREATE_TIMEOUT_MS = 10 * 60_000;

/** Deployment polling: VS Code polls every second and waits up to 60 s for a new id to show (§1.3). */
export const POLL_INTERVAL_MS = 1000;
export const DEPLOYMENT_APPEAR_TIMEOUT_MS = 60_000;
export const DEPLOYMENT_TIMEOUT_MS = 15 * 60_000;
