import * as assert from 'node:assert/strict';
import type { Manifest } from '../../src/core/manifest';
import { profileNames, resolveProfile } from '../../src/core/profiles';

const base: Manifest = { version: 1, name: 'p' };

describe('profile resolution', () => {
  it('has an implicit local profile when none is declared', () => {
    assert.deepEqual(profileNames(base), ['local']);
    assert.deepEqual(resolveProfile(base), { name: 'local', kind: 'local', profile: { kind: 'local' } });
  });

  it('prefers the picked profile, then activeProfile, then local, then the first one', () => {
    const m: Manifest = { ...base, profiles: { prod: { kind: 'azure' }, local: {}, test: { kind: 'azure' } }, activeProfile: 'test' };
    assert.equal(resolveProfile(m, 'prod').name, 'prod');
    assert.equal(resolveProfile(m).name, 'test');
    assert.equal(resolveProfile(m, 'gone').name, 'test', 'a picked profile that was removed falls back');
    assert.equal(resolveProfile({ ...m, activeProfile: undefined }).name, 'local');
    assert.equal(resolveProfile({ ...base, profiles: { prod: {}, qa: {} } }).name, 'prod');
  });

  it('infers the kind from the name when the profile does not say', () => {
    const m: Manifest = { ...base, profiles: { local: {}, prod: {} } };
    assert.equal(resolveProfile(m, 'local').kind, 'local');
    assert.equal(resolveProfile(m, 'prod').kind, 'azure');
    assert.equal(resolveProfile({ ...base, profiles: { dev: { kind: 'local' } } }).kind, 'local');
  });
});
