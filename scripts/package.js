#!/usr/bin/env node
// `npm run package`: a production build and a .vsix for this platform (dist/eventline.vsix). The package is
// platform-specific because the local pipeline ships DuckDB's native binding (see esbuild.js).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(process.execPath, ['esbuild.js', '--production']);
const target = `${process.platform}-${process.arch}`;
run(process.execPath, [require.resolve('@vscode/vsce/vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '--target', target, '--out', 'dist/eventline.vsix']);
