// One build for every bundle in dist/: the extension, the local-pipeline CLI, the browser bundles (webviews and
// the notebook renderer) and the integration-test bundles that run inside VS Code.
// Usage: node esbuild.js [--watch] [--production]
'use strict';
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints the lines VS Code's esbuild problem matcher looks for in watch mode. */
const watchLogger = {
  name: 'watch-logger',
  setup(build) {
    build.onStart(() => { if (watch) console.log('[watch] build started'); });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

/** Copies files after each build of the entry that needs them at run time. */
function copyFiles(fromDir, toDir, names) {
  return {
    name: 'copy-files',
    setup(build) {
      build.onEnd(() => {
        fs.mkdirSync(toDir, { recursive: true });
        for (const n of names) fs.copyFileSync(path.join(fromDir, n), path.join(toDir, n));
      });
    },
  };
}

// The packaged extension ships no node_modules (vsce --no-dependencies), but dist/local.js needs DuckDB's native
// binding: production builds copy exactly those packages, for this platform, to dist/node_modules (which Node
// resolves from dist/local.js); the .vsix is then platform-specific (scripts/package.js). Development builds
// remove the copy so a lockfile update can never be shadowed by a stale one.
const DUCKDB_PACKAGES = ['@duckdb/node-api', '@duckdb/node-bindings', `@duckdb/node-bindings-${process.platform}-${process.arch}`, 'detect-libc'];
// The function runner and the function deploy build users' function projects with esbuild at run time: its JS API and this platform's
// binary ship too (only what they load: no install script, no type definitions).
const ESBUILD_PACKAGES = ['esbuild', `@esbuild/${process.platform}-${process.arch}`];
function shipNativeDeps() {
  return {
    name: 'ship-native-deps',
    setup(build) {
      build.onEnd(() => {
        const target = path.join('dist', 'node_modules');
        fs.rmSync(target, { recursive: true, force: true });
        if (!production) return;
        for (const pkg of DUCKDB_PACKAGES) {
          fs.cpSync(path.join('node_modules', pkg), path.join(target, pkg), { recursive: true, filter: (src) => !/\.(d\.ts|map|md)$/.test(src) });
        }
        for (const pkg of ESBUILD_PACKAGES) {
          // esbuild's own bin/esbuild is a copy of the platform package's binary: ship the binary once.
          fs.cpSync(path.join('node_modules', pkg), path.join(target, pkg), { recursive: true, filter: (src) => !/\.(d\.ts|map|md)$|install\.js$/.test(src) && !(pkg === 'esbuild' && /^bin([\\/]|$)/.test(path.relative(path.join('node_modules', pkg), src))) });
        }
      });
    },
  };
}

// smtp-server carries a pregenerated private key and certificate as its TLS defaults. The local SMTP server never
// offers TLS (loopback only, STARTTLS disabled), so the bundle takes the module without them: a private key must
// not ship in the .vsix (vsce refuses it, and rightly). TLS options passed in are used as given.
function smtpServerWithoutDefaultKey() {
  return {
    name: 'smtp-server-without-default-key',
    setup(build) {
      build.onLoad({ filter: /[\\/]smtp-server[\\/]dist[\\/](cjs|esm)[\\/]tls-options\.js$/ }, (args) => {
        const body = 'function getTLSOptions(opts) { return Object.assign({ honorCipherOrder: true, requestOCSP: false }, opts || {}); }';
        const esm = /[\\/]esm[\\/]/.test(args.path);
        return { loader: 'js', contents: esm ? `export default ${body}\n` : `'use strict';\nmodule.exports = ${body};\nmodule.exports.default = module.exports;\n` };
      });
    },
  };
}

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  keepNames: true,
  logLevel: 'warning',
  plugins: [watchLogger],
};

const node = {
  ...common,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  mainFields: ['module', 'main'],
};

// Libraries the extension needs only once a feature is used (Azure SDKs for the tree, tail and notebooks; the
// language client for the first KQL document) live in their own bundles under dist/vendor/, required by the first
// `await import()` that needs them. dist/extension.js then stays small, which is what VS Code loads at activation.
const VENDOR = {
  // rhea-promise: the same instance @azure/event-hubs uses, for the guard in src/azure/amqpLinkFix.ts.
  azure: ['@azure/event-hubs', 'rhea-promise', '@azure/arm-eventhub', '@azure/arm-resources-subscriptions', '@azure/identity', '@azure/keyvault-secrets', 'azure-kusto-data'],
  languageClient: ['vscode-languageclient/node'],
  // The function deploy's Resource Manager SDKs, loaded on the first deploy (about 2 MB).
  deploy: ['@azure/arm-appservice', '@azure/arm-authorization', '@azure/arm-storage', '@azure/arm-resources', 'yazl'],
};
// The function template's dependencies at its pinned versions, for function projects that have no node_modules:
// the runner resolves them to this bundle (src/local/functions/build.ts). `@azure/functions-core` is what the
// Functions worker (here: dist/functionHost.js) provides at run time.
const FUNCTION_DEPS = ['@azure/functions', '@azure/event-hubs', '@azure/identity', '@azure/storage-blob'];
const vendorOf = new Map(Object.entries(VENDOR).flatMap(([bundle, pkgs]) => pkgs.map((p) => [p, bundle])));

/** Resolves a vendored package to a two-line facade that requires its bundle (relative to the output file). */
function lazyVendor(fromDir) {
  const filter = new RegExp(`^(${[...vendorOf.keys()].map((k) => k.replace(/[/.-]/g, '\\$&')).join('|')})$`);
  return {
    name: 'lazy-vendor',
    setup(build) {
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'lazy-vendor' }));
      build.onResolve({ filter: /^\.\.?\/.*vendor\// , namespace: 'lazy-vendor' }, (args) => ({ path: args.path, external: true }));
      build.onLoad({ filter: /.*/, namespace: 'lazy-vendor' }, (args) => {
        const rel = path.posix.join(path.relative(fromDir, 'dist').split(path.sep).join('/') || '.', 'vendor', `${vendorOf.get(args.path)}.js`);
        const spec = rel.startsWith('.') ? rel : `./${rel}`;
        return { contents: `module.exports = require(${JSON.stringify(spec)})[${JSON.stringify(args.path)}];`, loader: 'js' };
      });
    },
  };
}

const vendorBundles = Object.entries(VENDOR).map(([bundle, pkgs]) => ({
  stdin: { contents: `module.exports = {${pkgs.map((p) => `${JSON.stringify(p)}: require(${JSON.stringify(p)})`).join(', ')}};`, resolveDir: __dirname, loader: 'js' },
  outfile: `dist/vendor/${bundle}.js`,
}));

// Native or very large packages stay outside the bundles and are loaded from node_modules at run time.
const localExternals = ['@duckdb/node-api', '@kusto/language-service-next', 'esbuild'];

const configs = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', ...localExternals], plugins: [...common.plugins, lazyVendor('dist')] },
  // Third-party code runs as published: no keepNames, whose __name() wrapper on every named closure made
  // azure-kusto-data take half again as long per result (it defines a getter per row), and no renaming, so the
  // few places that read a constructor's name (log text, rhea-promise's error check) still see the real one.
  ...vendorBundles.map((v) => ({
    ...node, ...v, external: ['vscode'],
    keepNames: false, minify: false, minifyWhitespace: production, minifySyntax: production,
  })),
  {
    ...node, entryPoints: ['src/local/cli.ts'], outfile: 'dist/local.js', external: localExternals,
    plugins: [...common.plugins, shipNativeDeps(), smtpServerWithoutDefaultKey()],
    banner: { js: '#!/usr/bin/env node' },
  },
  // The local Eventhouse's KQL translator thread (src/local/eventhouse/kqlThread.ts): the parser's heap stays off
  // the main thread that serves the hub. Found next to dist/local.js, or one folder up from the benches' bundles.
  { ...node, entryPoints: ['src/local/eventhouse/kqlWorker.ts'], outfile: 'dist/kqlWorker.js', external: localExternals },
  // The function host: the child process the local function runner invokes users' functions in.
  { ...node, entryPoints: ['src/local/functions/host.ts'], outfile: 'dist/functionHost.js' },
  {
    ...node, keepNames: false, minify: false, minifyWhitespace: production, minifySyntax: production,
    stdin: { contents: `module.exports = {${FUNCTION_DEPS.map((p) => `${JSON.stringify(p)}: require(${JSON.stringify(p)})`).join(', ')}};`, resolveDir: __dirname, loader: 'js' },
    outfile: 'dist/vendor/functionDeps.js', external: ['@azure/functions-core'],
  },
  // The KQL language server runs in its own Node process (the official Kusto language service is large and slow
  // to start; it must never block the extension host).
  // The packaged extension has no node_modules: the two minified Kusto.Language bridge files (5 MB) are copied
  // next to it as dist/kusto/ and loaded from there (src/language/kustoBridge.ts).
  {
    ...node, entryPoints: ['src/language/server.ts'], outfile: 'dist/languageServer.js', external: localExternals,
    plugins: [...common.plugins, copyFiles('node_modules/@kusto/language-service-next', 'dist/kusto', ['bridge.min.js', 'Kusto.Language.Bridge.min.js'])],
  },
  {
    ...common, platform: 'browser', target: 'es2022', format: 'esm',
    entryPoints: { renderer: 'src/webviews/renderer/index.ts' }, outdir: 'dist/webviews',
    loader: { '.css': 'text' },
  },
  {
    ...common, platform: 'browser', target: 'es2022', format: 'iife',
    entryPoints: { tail: 'src/webviews/tail/index.ts' }, outdir: 'dist/webviews',
    loader: { '.css': 'text' },
  },
  // The alert editor and the mailbox (#22): @vscode-elements/elements is bundled into the page's one script.
  {
    ...common, platform: 'browser', target: 'es2022', format: 'iife',
    entryPoints: { alertEditor: 'src/webviews/alertEditor/index.ts', mailbox: 'src/webviews/mailbox/index.ts' }, outdir: 'dist/webviews',
  },
  {
    ...common, platform: 'browser', target: 'es2022', format: 'iife',
    entryPoints: { dashboard: 'src/webviews/dashboard/index.ts' }, outdir: 'dist/webviews',
    loader: { '.css': 'text' },
  },
  // The alert Dry Run view (uPlot, like the notebook renderer).
  {
    ...common, platform: 'browser', target: 'es2022', format: 'iife',
    entryPoints: { dryRun: 'src/webviews/dryRun/index.ts' }, outdir: 'dist/webviews',
    loader: { '.css': 'text' },
  },
];

// Integration tests: a runner with mocha bundled, and the suites in a separate bundle that the runner requires
// after mocha's 'pre-require' has defined describe/it (a static import would be hoisted above it).
if (!production) {
  configs.push(
    { ...node, sourcemap: true, entryPoints: ['test/integration/runner.ts'], outfile: 'dist/test/index.js', external: ['vscode', './all-tests'], logOverride: { 'require-resolve-not-external': 'silent' } },
    { ...node, sourcemap: true, entryPoints: ['test/integration/all.ts'], outfile: 'dist/test/all-tests.js', external: ['vscode', 'mocha', ...localExternals], plugins: [...common.plugins, lazyVendor('dist/test')] },
  );
}

async function main() {
  const contexts = await Promise.all(configs.map((c) => esbuild.context(c)));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  try {
    await Promise.all(contexts.map((c) => c.rebuild()));
  } finally {
    await Promise.all(contexts.map((c) => c.dispose()));
  }
}

main().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
