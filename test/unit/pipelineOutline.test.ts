import * as assert from 'node:assert/strict';
import { starterManifest } from '../../src/core/manifest';
import { emptyRow, manifestRows, outlineFromProblems, ROOT_GROUPS } from '../../src/core/pipelineOutline';

describe('pipeline outline', () => {
  it('names the root groups in pipeline order', () => {
    assert.deepEqual([...ROOT_GROUPS], ['Sources', 'Ingest function', 'Event Hubs', 'Eventhouse', 'Alerts', 'Secrets']);
  });

  it('lists sources with method and URL, and secret references (never values)', () => {
    const m = starterManifest('p');
    const [source] = manifestRows(m, 'Sources');
    assert.equal(source.label, 'sample-api');
    assert.equal(source.description, 'GET http://127.0.0.1:5400/readings');
    const [secret] = manifestRows(m, 'Secrets');
    assert.equal(secret.description, 'Key Vault: sample-api-key');
  });

  it('gives every group a placeholder row with a unique id', () => {
    const ids = ROOT_GROUPS.map((g) => emptyRow(g).id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(emptyRow('Alerts').contextValue, 'placeholder');
    assert.deepEqual(manifestRows({ version: 1, name: 'empty' }, 'Sources'), []);
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
