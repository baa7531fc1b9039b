import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

/** Provided by the test-only extension in test/fixtures/test-auth-extension (loaded beside Eventline). */
export const TEST_PROVIDER_ID = 'eventline-test';

export interface TestAuthProvider {
  requests: { scopes: string[]; kind: 'get' | 'create' }[];
  signedIn: boolean;
}

export async function testAuthProvider(): Promise<TestAuthProvider> {
  const ext = vscode.extensions.getExtension<TestAuthProvider>('eventline-test.test-auth');
  assert.ok(ext, 'the test authentication extension is not loaded (see test/harness/integration.js)');
  return ext.activate();
}

export function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}
