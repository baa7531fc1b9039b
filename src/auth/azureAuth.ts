import * as vscode from 'vscode';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { cloudSettings, defaultScope, normaliseScopes, type CloudSettings } from '../core/cloud';
import { NotSignedInError, UserCancelledError } from '../core/errors';
import { tokenExpiresOn } from '../core/jwt';
import { Disposable } from '../common/disposable';

const TENANT_KEY = 'eventline.tenant';
const SIGNED_OUT_KEY = 'eventline.signedOut';

/**
 * The one module that calls `vscode.authentication.getSession`. It hands SDKs a credential that never prompts
 * (silent sessions only, one resource per token, the chosen tenant) and prompts only from the explicit
 * commands or a claims challenge.
 */
export class AzureAuth extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Fires after sign-in, sign-out, a tenant change or a session change in VS Code. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {
    super();
    this.register(vscode.authentication.onDidChangeSessions((e) => {
      if (e.provider.id === this.cloud.authProviderId) this.changed.fire();
    }));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('eventline.cloud')) this.changed.fire();
    }));
  }

  get cloud(): CloudSettings {
    return cloudSettings(vscode.workspace.getConfiguration('eventline').get<Record<string, unknown>>('cloud') ?? {});
  }

  get tenant(): string | undefined {
    return this.state.get<string>(TENANT_KEY);
  }

  private get signedOut(): boolean {
    return this.state.get<boolean>(SIGNED_OUT_KEY) === true;
  }

  private withTenant(scopes: string[], tenantId?: string): string[] {
    const tenant = tenantId ?? this.tenant;
    return tenant ? [...scopes, `VSCODE_TENANT:${tenant}`] : scopes;
  }

  /** The signed-in account, without prompting; undefined when signed out. */
  async account(): Promise<vscode.AuthenticationSessionAccountInformation | undefined> {
    if (this.signedOut) return undefined;
    const session = await vscode.authentication.getSession(this.cloud.authProviderId, this.withTenant([defaultScope(this.cloud.resourceManagerAudience)]), { silent: true });
    return session?.account;
  }

  /** "Eventline: Sign In": the only place besides a claims challenge that may show VS Code's sign-in. */
  async signIn(): Promise<vscode.AuthenticationSessionAccountInformation> {
    let session: vscode.AuthenticationSession;
    try {
      session = await vscode.authentication.getSession(this.cloud.authProviderId, this.withTenant([defaultScope(this.cloud.resourceManagerAudience)]), { createIfNone: true, clearSessionPreference: this.signedOut });
    } catch (e) {
      if (/cancel/i.test(String(e))) throw new UserCancelledError();
      throw e;
    }
    await this.state.update(SIGNED_OUT_KEY, undefined);
    this.changed.fire();
    return session.account;
  }

  /**
   * "Eventline: Sign Out". Extensions cannot remove an account from VS Code; Eventline stops using it until the
   * next sign-in, which asks again which account to use.
   */
  async signOut(): Promise<void> {
    await this.state.update(SIGNED_OUT_KEY, true);
    this.changed.fire();
  }

  async setTenant(tenantId: string | undefined): Promise<void> {
    await this.state.update(TENANT_KEY, tenantId);
    this.changed.fire();
  }

  /**
   * A credential for any Azure SDK. It passes the SDK's own scopes through (one resource per token), adds the
   * tenant, and reads the expiry from the token so renewal timers work.
   */
  credential(tenantId?: string): TokenCredential {
    return {
      getToken: async (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> => {
        if (this.signedOut) throw new NotSignedInError();
        if (options?.abortSignal?.aborted) throw new UserCancelledError();
        const request = this.withTenant(normaliseScopes(scopes), options?.tenantId ?? tenantId);
        let session: vscode.AuthenticationSession | undefined;
        if (options?.claims) {
          // A claims challenge (CAE, MFA) is the one case where a silent credential must ask the user.
          session = await vscode.authentication.getSession(this.cloud.authProviderId, request, { forceNewSession: { detail: 'The service asked for a fresh sign-in (claims challenge).' } });
        } else {
          session = await vscode.authentication.getSession(this.cloud.authProviderId, request, { silent: true });
        }
        if (!session) throw new NotSignedInError();
        return { token: session.accessToken, expiresOnTimestamp: tokenExpiresOn(session.accessToken), tokenType: 'Bearer' };
      },
    };
  }

  /**
   * Asks up front for the tokens a command will need, so the user consents once at its start (the App Service
   * audience of a Function App's scm site is a separate consent, spec §0): silently when VS Code has them, with
   * VS Code's sign-in otherwise. After this the credential stays silent.
   */
  async consent(audiences: string[], tenantId?: string): Promise<void> {
    if (this.signedOut) throw new NotSignedInError();
    for (const audience of audiences) {
      const scopes = this.withTenant([defaultScope(audience)], tenantId);
      if (await vscode.authentication.getSession(this.cloud.authProviderId, scopes, { silent: true })) continue;
      try {
        await vscode.authentication.getSession(this.cloud.authProviderId, scopes, { createIfNone: { detail: `Eventline needs access to ${audience}.` } });
      } catch (e) {
        if (/cancel/i.test(String(e))) throw new UserCancelledError();
        throw e;
      }
    }
  }

  /** A bearer token for one audience (Fabric REST, which has no SDK here). */
  async token(audience: string, signal?: AbortSignal): Promise<string> {
    const t = await this.credential().getToken(defaultScope(audience), { abortSignal: signal });
    if (!t) throw new NotSignedInError();
    return t.token;
  }
}
