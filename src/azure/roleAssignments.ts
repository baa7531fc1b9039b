// Role assignments for the Function App's identity, through the official @azure/arm-authorization (api-version
// 2022-04-01, spec §1.7). An assignment that already exists (409 RoleAssignmentExists) counts as done; missing rights
// to assign roles become a message naming the role, the scope and who can grant it.
import { randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import type { CloudSettings } from '../core/cloud';
import { ARM_CALL_TIMEOUT_MS, ROLE_GRANTERS, type RoleDefinition } from '../core/deploy/constants';
import { parseResourceId } from '../core/deploy/site';
import { ServiceError } from '../core/errors';
import { authorizationClient } from './clients';
import { withTimeout } from './http';

/** The caller may not assign roles on the scope (403). */
export class RoleAssignmentDeniedError extends ServiceError {
  constructor(readonly role: RoleDefinition, readonly scope: string, readonly principalId: string, detail: string) {
    super('Resource Manager', 403, `You may not assign "${role.name}" on ${scope}${detail ? ` (${detail})` : ''}. Someone with ${ROLE_GRANTERS} on that scope can grant it to the Function App's identity (principal ${principalId}); then deploy again.`);
  }

  /** The Azure CLI command a person with the rights can run. */
  get command(): string {
    return `az role assignment create --assignee-object-id ${this.principalId} --assignee-principal-type ServicePrincipal --role "${this.role.name}" --scope "${this.scope}"`;
  }
}

/**
 * The SDK's URL template is `/{scope}/providers/…` with the scope unencoded: a scope with its leading slash would
 * make `//subscriptions/…`, which URL parsers read as a host. Its samples pass scopes without the slash.
 */
const sdkScope = (scope: string) => scope.replace(/^\/+/, '');

function roleDefinitionId(scope: string, role: RoleDefinition): string {
  const sub = parseResourceId(scope)?.subscriptionId ?? /^\/subscriptions\/([^/]+)/.exec(scope)?.[1] ?? '';
  return `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${role.id}`;
}

export class RoleAssignments {
  constructor(private readonly credential: TokenCredential, private readonly cloud: CloudSettings) {}

  private client(scope: string) {
    const sub = /^\/subscriptions\/([^/]+)/.exec(scope)?.[1];
    if (!sub) throw new Error(`Not a resource scope: ${scope}`);
    return authorizationClient(this.credential, this.cloud, sub);
  }

  /** The role definition ids assigned to the principal at (or above) the scope. */
  async assignedRoles(scope: string, principalId: string, signal?: AbortSignal): Promise<Set<string>> {
    return withTimeout('Resource Manager (reading role assignments)', ARM_CALL_TIMEOUT_MS, signal, async (s) => {
      const c = await this.client(scope);
      const out = new Set<string>();
      for await (const a of c.roleAssignments.listForScope(sdkScope(scope), { filter: `assignedTo('${principalId}')`, abortSignal: s })) {
        const id = a.roleDefinitionId?.split('/').pop();
        if (id && a.principalId === principalId) out.add(id.toLowerCase());
      }
      return out;
    });
  }

  /** Creates the assignment under a new GUID; `exists` when the same principal, role and scope are already assigned. */
  async assign(scope: string, role: RoleDefinition, principalId: string, signal?: AbortSignal): Promise<'created' | 'exists'> {
    const c = await this.client(scope);
    try {
      await withTimeout(`Resource Manager (assigning ${role.name})`, ARM_CALL_TIMEOUT_MS, signal, (s) => c.roleAssignments.create(sdkScope(scope), randomUUID(), {
        roleDefinitionId: roleDefinitionId(scope, role),
        principalId,
        // A new identity may not have replicated yet: naming its type skips the lookup that would fail (aka.ms/docs-principaltype).
        principalType: 'ServicePrincipal',
      }, { abortSignal: s }));
      return 'created';
    } catch (e) {
      const err = e as { statusCode?: number; code?: string; message?: string };
      if (err.statusCode === 409 && err.code === 'RoleAssignmentExists') return 'exists';
      if (err.statusCode === 403) throw new RoleAssignmentDeniedError(role, scope, principalId, err.code ?? '');
      throw e;
    }
  }
}
