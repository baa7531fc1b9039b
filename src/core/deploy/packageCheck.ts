// Checks on the deploy package before it is uploaded: the usual causes of "0 functions found" after a green deploy
// (spec §1.2 and §8 pain point 4) — host.json not at the root, a `main` glob that matches no built file, and
// @azure/functions missing from the package.
import { FUNCTIONS_LIBRARY } from './constants';

export interface PackageCheck {
  id: 'hostJson' | 'main' | 'functionsLibrary';
  title: string;
  ok: boolean;
  detail: string;
  /** What to do when it failed. */
  fix?: string;
}

export interface PackageContents {
  /** Paths inside the zip, with forward slashes. */
  files: string[];
  /** `main` of the package.json inside the zip (undefined when absent). */
  main: string | undefined;
  /** npm packages bundled into the built files (from the bundler's inputs). */
  bundledPackages: string[];
}

/**
 * A glob as the Functions Node worker reads `main` (`*`, `**`, `?`, `{a,b}`), as a RegExp over forward-slash paths.
 * Hand-written: the few glob forms package.json `main` uses, with no dependency for them.
 */
export function globToRegExp(glob: string): RegExp {
  const g = glob.trim().replace(/^\.\//, '');
  let out = '';
  let braces = 0;
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*') {
      if (g[i + 1] === '*') {
        const slash = g[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) {
      out += '|';
    } else {
      out += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

export function matchesGlob(file: string, glob: string): boolean {
  return globToRegExp(glob).test(file.replace(/\\/g, '/').replace(/^\.\//, ''));
}

const isCode = (f: string) => /\.(c|m)?js$/.test(f) && !f.startsWith('node_modules/');

export function checkPackage(p: PackageContents): PackageCheck[] {
  const checks: PackageCheck[] = [];

  const hostJsons = p.files.filter((f) => f === 'host.json' || f.endsWith('/host.json'));
  const atRoot = p.files.includes('host.json');
  checks.push(atRoot
    ? { id: 'hostJson', title: 'host.json at the root', ok: true, detail: 'host.json is at the root of the package.' }
    : {
      id: 'hostJson', title: 'host.json at the root', ok: false,
      detail: hostJsons.length ? `host.json is at ${hostJsons[0]}, not at the root: the host would find no function app there.` : 'The package has no host.json: the host would find no function app.',
      fix: 'Put host.json in the function project\'s folder (the one eventline.json\'s "functions" entry names).',
    });

  const code = p.files.filter(isCode);
  if (!p.main) {
    checks.push({ id: 'main', title: '"main" matches the built files', ok: false, detail: 'package.json has no "main": the Node.js v4 model loads the files it names.', fix: `Set "main" in package.json to the built functions, e.g. "${suggestMain(code)}".` });
  } else {
    const matched = code.filter((f) => matchesGlob(f, p.main!));
    checks.push(matched.length
      ? { id: 'main', title: '"main" matches the built files', ok: true, detail: `"main": "${p.main}" matches ${matched.length} built file${matched.length === 1 ? '' : 's'} (${matched.slice(0, 3).join(', ')}${matched.length > 3 ? ', …' : ''}).` }
      : {
        id: 'main', title: '"main" matches the built files', ok: false,
        detail: `"main": "${p.main}" matches none of the built files (${code.slice(0, 4).join(', ') || 'none'}): the host would log "No job functions found".`,
        fix: `Set "main" in package.json to "${suggestMain(code)}", or move the functions to where "main" points.`,
      });
  }

  const inZip = p.files.includes(`node_modules/${FUNCTIONS_LIBRARY}/package.json`);
  const bundled = p.bundledPackages.includes(FUNCTIONS_LIBRARY);
  checks.push(inZip || bundled
    ? { id: 'functionsLibrary', title: `${FUNCTIONS_LIBRARY} inside`, ok: true, detail: `${FUNCTIONS_LIBRARY} is ${bundled ? 'bundled into the built files' : 'in node_modules'}.` }
    : {
      id: 'functionsLibrary', title: `${FUNCTIONS_LIBRARY} inside`, ok: false,
      detail: `${FUNCTIONS_LIBRARY} is not in the package: app.timer(...) would never register and the host would find 0 functions.`,
      fix: `Add "${FUNCTIONS_LIBRARY}" to "dependencies" (not devDependencies) in package.json, run npm install, and import it from the function files.`,
    });
  return checks;
}

/** A `main` glob that would match these built files: their folder with `*.js`. */
function suggestMain(code: string[]): string {
  const fn = code.find((f) => /(^|\/)functions\//.test(f)) ?? code[0];
  if (!fn) return 'dist/src/functions/*.js';
  const dir = fn.includes('/') ? fn.slice(0, fn.lastIndexOf('/')) : '';
  return dir ? `${dir}/*.js` : '*.js';
}
