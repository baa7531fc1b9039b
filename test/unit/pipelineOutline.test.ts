import * as assert from 'node:assert/strict';
import { starterManifest } from '../../src/core/manifest';
import { outlineFromManifest, outlineFromProblems, ROOT_GROUPS } from '../../src/core/pipelineOutline';

describe('pipeline outline', () => {
  it('lists the root groups in pipeline order', () => {
    const roots = outlineFromManifest(starterManifest('p'));
    assert.deepEqual(roots.map((r) => r.label), [...ROOT_GROUPS]);
  });

  it('puts hubs with their consumer groups, tables under the database, and secret references (never values)', () => {
    const roots = outlineFromManifest(starterManifest('p'));
    const byLabel = new Map(roots.map((r) => [r.label, r]));
    const hub = byLabel.get('Event Hubs')!.children![0];
    assert.equal(hub.label, 'telemetry');
    assert.deepEqual(hub.children!.map((c) => c.label), ['$Default', 'eventline-tail']);
    const db = byLabel.get('Eventhouse')!.children![0];
    assert.equal(db.label, 'NetDefaultDB');
    assert.deepEqual(db.children!.map((c) => c.label), ['Telemetry']);
    const secret = byLabel.get('Secrets')!.children![0];
    assert.equal(secret.description, 'Key Vault: sample-api-key');
  });

  it('gives empty groups a placeholder row and unique ids everywhere', () => {
    const roots = outlineFromManifest({ version: 1, name: 'empty' });
    for (const r of roots) assert.equal(r.children?.[0].contextValue, 'placeholder', r.label);
    const ids = new Set<string>();
    const walk = (nodes: typeof roots) => nodes.forEach((n) => { assert.ok(!ids.has(n.id), n.id); ids.add(n.id); walk(n.children ?? []); });
    walk(outlineFromManifest(starterManifest('p')));
  });

  it('turns problems into one error row with a child per problem', () => {
    const [root] = outlineFromProblems([
      { kind: 'syntax', message: 'Invalid JSON: x.', path: '', line: 2, column: 3 },
      { kind: 'schema', message: 'name is missing.', path: '', line: 1, column: 1 },
    ]);
    assert.equal(root.label, 'eventline.json has 2 problems');
    assert.equal(root.children!.length, 2);
    assert.equal(root.children![0].description, 'line 2, column 3');
  });
});
