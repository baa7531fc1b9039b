// Runs a Node benchmark from test/bench/ compiled by esbuild to dist/bench/, with its packages loaded from
// node_modules exactly as published. Not through tsx: tsx compiles node_modules too, with keepNames, which wraps
// every closure a library creates in a __name() call; azure-kusto-data creates one per result row, and under tsx
// it took about half again as long for the same reply, which the benchmarks then counted against our servers.
// Usage: node scripts/bench.js <name> [args...]      (test/bench/<name>.ts)
'use strict';
const esbuild = require('esbuild');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const [name, ...args] = process.argv.slice(2);
if (!name) {
  console.error('usage: node scripts/bench.js <name> [args...]   (runs test/bench/<name>.ts)');
  process.exit(2);
}
const outfile = path.join('dist', 'bench', `${name}.js`);
esbuild.buildSync({
  entryPoints: [path.join('test', 'bench', `${name}.ts`)],
  outfile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
});
// --expose-gc lets a bench collect its own setup garbage before it times anything (see eventhouse.ts).
const r = spawnSync(process.execPath, ['--expose-gc', outfile, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
