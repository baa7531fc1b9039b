// package.json's `engines` must be true: every Node version it admits satisfies every installed package's own
// `engines.node` (otherwise `npm ci` prints EBADENGINE on a Node we claim to support), the extension host of the
// oldest VS Code it admits runs such a Node, the README names the same versions, and every dependency with an
// install script has an allowScripts entry (npm 11 lists the others after every install; npm 12 skips them).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as semver from 'semver';
import { NODE_VERSIONS } from '../../src/core/deploy/constants';

const ROOT = path.resolve(__dirname, '..', '..');

interface LockEntry { engines?: Record<string, string> | string[]; hasInstallScript?: boolean; optional?: boolean; os?: string[]; cpu?: string[] }

/**
 * The Node.js inside each VS Code's extension host (from VS Code's release notes: 1.101 moved to Electron 35).
 * When engines.vscode's floor moves, add its line here.
 */
const EXTENSION_HOST_NODE: Record<string, string> = {
  '1.100': '20.19.0',
  '1.101': '22.15.1',
};

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string; vscode: string };
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

/** The package name of a lockfile key (`node_modules/a/node_modules/@b/c` → `@b/c`). */
function nameOf(key: string): string {
  return key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

/** Lock entries npm installs on this kind of machine (optional packages for other platforms are left out). */
function installedHere(e: LockEntry): boolean {
  const fits = (list: string[] | undefined, value: string) => !list || list.some((v) => (v.startsWith('!') ? v.slice(1) !== value : v === value));
  return fits(e.os, process.platform) && fits(e.cpu, process.arch);
}

/** The packages in a lockfile whose own engines.node does not admit every Node version `range` admits. */
function disagreeing(range: string, packages: Record<string, LockEntry>): string[] {
  const disagree: string[] = [];
  for (const [key, e] of Object.entries(packages)) {
    if (key === '' || Array.isArray(e.engines) || !e.engines?.node || !installedHere(e)) continue;
    const wants = e.engines.node;
    // A malformed range in a dependency is npm's problem to report, not a disagreement with ours.
    if (!semver.validRange(wants)) continue;
    if (!semver.subset(range, wants)) disagree.push(`${nameOf(key)} wants node ${wants}`);
  }
  return disagree;
}

describe('package.json engines', () => {
  it('admits only Node versions every dependency supports', () => {
    const root = pkg.engines.node;
    assert.ok(semver.validRange(root), `engines.node "${root}" is not a semver range`);
    const disagree = disagreeing(root, lock.packages);
    assert.deepEqual(disagree, [], `package.json says engines.node "${root}", but: ${disagree.join('; ')}. Raise engines.node (and the README's "Supported versions") or pin versions that support it.`);
  });

  // A new Function App runs the template on the runtime picked when it is created: a runtime its pinned packages do
  // not declare support for is one nobody tested them on.
  it('the function template admits only Node versions its dependencies support, and a new Function App is offered only those', () => {
    const dir = path.join(ROOT, 'functions-template');
    const template = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { engines: { node: string } };
    const templateLock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    const range = template.engines.node;
    const disagree = disagreeing(range, templateLock.packages);
    assert.deepEqual(disagree, [], `functions-template/package.json says engines.node "${range}", but: ${disagree.join('; ')}`);
    for (const v of NODE_VERSIONS) assert.ok(semver.subset(`${v}.x`, range), `Node.js ${v} is offered for a new Function App, outside the template's engines.node "${range}"`);
  });

  it('admits only VS Code versions whose extension host runs such a Node', () => {
    const floor = semver.minVersion(pkg.engines.vscode);
    assert.ok(floor, `engines.vscode "${pkg.engines.vscode}" has no lowest version`);
    const node = EXTENSION_HOST_NODE[`${floor.major}.${floor.minor}`];
    assert.ok(node, `add the Node of VS Code ${floor.major}.${floor.minor}'s extension host to EXTENSION_HOST_NODE`);
    assert.ok(semver.satisfies(node, pkg.engines.node), `VS Code ${floor.major}.${floor.minor} (the oldest engines.vscode admits) runs extensions on Node ${node}, outside engines.node "${pkg.engines.node}"`);
  });

  it('matches the Node versions the README states', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const stated = /Supported versions: Node\.js [^(]*\(`([^`]+)`, package\.json\s+`engines\.node`\)[\s\S]*?VS Code (\d+\.\d+) or later/.exec(readme);
    assert.ok(stated, 'README.md has no "Supported versions: Node.js … (`<range>`, package.json `engines.node`) … VS Code X.Y or later" paragraph');
    const vscode = semver.minVersion(pkg.engines.vscode);
    assert.equal(stated[1], pkg.engines.node, 'README and engines.node disagree');
    assert.equal(stated[2], `${vscode?.major}.${vscode?.minor}`, 'README and engines.vscode disagree');
  });

  it('has an allowScripts entry for every dependency with an install script', () => {
    const allowed = pkg.allowScripts ?? {};
    const missing = [...new Set(Object.entries(lock.packages)
      .filter(([key, e]) => key !== '' && e.hasInstallScript)
      .map(([key]) => nameOf(key))
      .filter((name) => !(name in allowed)))];
    assert.deepEqual(missing, [], `add these to package.json's allowScripts (true to run the script, false to skip it): ${missing.join(', ')}`);
  });
});
