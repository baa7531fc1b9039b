import * as assert from 'node:assert/strict';
import { cloudSettings, defaultScope, normaliseScopes, AZURE_PUBLIC_CLOUD } from '../../src/core/cloud';
import { describeError, errorText, isNotSignedIn, isUserCancelled, NotSignedInError, ServiceError, UserCancelledError } from '../../src/core/errors';
import { jwtClaims, OPAQUE_TOKEN_LIFETIME_MS, tokenExpiresOn, tokenTenant } from '../../src/core/jwt';

function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256' })}.${b64(claims)}.signature`;
}

describe('credential building blocks', () => {
  describe('token expiry', () => {
    const now = Date.UTC(2026, 10, 27, 12, 0, 0);

    it('reads exp from the JWT', () => {
      const exp = now / 1000 + 3600;
      assert.equal(tokenExpiresOn(jwt({ exp }), now), exp * 1000);
      assert.equal(tokenTenant(jwt({ tid: 'tenant-a' })), 'tenant-a');
    });

    it('never reports 0 or the past (the Event Hubs SDK renews in a tight loop on 0)', () => {
      for (const token of ['opaque-token', jwt({}), jwt({ exp: 0 }), jwt({ exp: now / 1000 - 60 }), jwt({ exp: 'soon' }), 'a.b.c', '']) {
        const t = tokenExpiresOn(token, now);
        assert.equal(t, now + OPAQUE_TOKEN_LIFETIME_MS, token);
      }
    });

    it('survives malformed payloads', () => {
      assert.equal(jwtClaims('x.!!!.y'), undefined);
      assert.equal(jwtClaims(`a.${Buffer.from('"str"').toString('base64url')}.c`), undefined);
    });
  });

  describe('scopes', () => {
    it('normalises what SDKs ask for to one-resource .default scopes', () => {
      assert.deepEqual(normaliseScopes('https://eventhubs.azure.net//.default'), ['https://eventhubs.azure.net/.default']);
      assert.deepEqual(normaliseScopes(['https://management.azure.com/']), ['https://management.azure.com/.default']);
      assert.deepEqual(normaliseScopes('https://kusto.kusto.windows.net/.default'), ['https://kusto.kusto.windows.net/.default']);
      assert.deepEqual(normaliseScopes(['https://vault.azure.net']), ['https://vault.azure.net/.default']);
      assert.deepEqual(normaliseScopes(['https://x.fabric.microsoft.com/user_impersonation']), ['https://x.fabric.microsoft.com/user_impersonation']);
      assert.deepEqual(normaliseScopes(['VSCODE_TENANT:t1']), ['VSCODE_TENANT:t1']);
    });

    it('builds .default scopes from audiences', () => {
      assert.equal(defaultScope('https://management.azure.com/'), 'https://management.azure.com/.default');
      assert.equal(defaultScope(AZURE_PUBLIC_CLOUD.fabricAudience), 'https://api.fabric.microsoft.com/.default');
    });

    it('takes sovereign-cloud overrides and ignores empty or wrong-typed values', () => {
      const c = cloudSettings({ authProviderId: 'microsoft-sovereign-cloud', resourceManagerEndpoint: 'https://management.usgovcloudapi.net/', fabricEndpoint: '', kustoAudience: 42 });
      assert.equal(c.authProviderId, 'microsoft-sovereign-cloud');
      assert.equal(c.resourceManagerEndpoint, 'https://management.usgovcloudapi.net');
      assert.equal(c.fabricEndpoint, AZURE_PUBLIC_CLOUD.fabricEndpoint);
      assert.equal(c.kustoAudience, AZURE_PUBLIC_CLOUD.kustoAudience);
    });
  });

  describe('errors', () => {
    it('tells not-signed-in and cancelled apart by flag, not by class identity', () => {
      assert.ok(isNotSignedIn(new NotSignedInError()));
      assert.ok(isNotSignedIn({ isNotSignedIn: true }));
      assert.ok(!isNotSignedIn(new UserCancelledError()));
      assert.ok(isUserCancelled(new UserCancelledError()));
      assert.ok(!isUserCancelled(new NotSignedInError()));
    });

    it('says what failed and what to do for 401, 403, 404, 429, timeouts and refused connections', () => {
      assert.match(describeError(new ServiceError('ARM', 401, 'x'), 'the hubs'), /^Could not load the hubs: .*\(401\)\. Sign in again/);
      assert.match(describeError({ statusCode: 403, message: 'denied' }, 'the hubs'), /access denied \(403\)/);
      assert.match(describeError(new ServiceError('Fabric', 404, 'x'), 'the items'), /not found \(404\)/);
      assert.match(describeError(new ServiceError('Fabric', 429, 'x'), 'the items'), /throttling/);
      assert.match(describeError(new ServiceError('ARM', undefined, 'ARM did not answer within 2 s (timed out).'), 'the hubs'), /did not answer in time/);
      assert.match(describeError(new Error('connect ECONNREFUSED 127.0.0.1:5300'), 'the hubs'), /connection refused/);
      assert.equal(describeError(new NotSignedInError(), 'the hubs'), 'Sign in to load the hubs.');
      // Node's failed connect to every address of a host: an AggregateError with no message of its own.
      const refused = new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5300'), { code: 'ECONNREFUSED' })], '');
      assert.match(describeError(refused, 'the hubs'), /connection refused/);
    });

    it('never gives an empty message: the first reason of an AggregateError, else the name and code; a plain object by its message or as JSON', () => {
      assert.equal(errorText(new Error('boom')), 'boom');
      assert.equal(errorText(new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:1')], '')), 'connect ECONNREFUSED 127.0.0.1:1');
      assert.equal(errorText(Object.assign(new Error(''), { code: 'ECONNRESET' })), 'Error (ECONNRESET)');
      assert.equal(errorText({ message: 'from the wire' }), 'from the wire');
      assert.equal(errorText({ code: 42 }), '{"code":42}');
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      assert.equal(errorText(circular), '[object Object]');
      assert.equal(errorText(undefined), 'undefined');
    });
  });
});
