/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports */
// Loads Kusto.Language (the official parser and language service, compiled to JS by Bridge.NET) into this
// process once. Shared by the local Eventhouse (dist/local.js) and the KQL language server (dist/languageServer.js).
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The packaged extension has no node_modules: the build copies the two minified bridge files to dist/kusto/,
 * next to both bundles. From source (unit tests, benches) the package itself is used, so one test process never
 * loads Bridge twice. Returns the globals Bridge defines.
 */
export function loadKustoRuntime(bundledDir: string): any {
  const g = globalThis as any;
  if (!g.Kusto?.Language?.Editor) {
    const runtime = path.join(bundledDir, 'bridge.min.js');
    if (fs.existsSync(runtime)) {
      require(runtime);
      require(path.join(bundledDir, 'Kusto.Language.Bridge.min.js'));
    } else {
      require('@kusto/language-service-next/bridge.js');
      require('@kusto/language-service-next/Kusto.Language.Bridge.js');
    }
  }
  return g;
}

/** Items of a Bridge list or array as a JS array. */
export function bridgeItems(list: any): any[] {
  if (list == null) return [];
  const Sys = (globalThis as any).System;
  const n = Sys.Array.getCount(list) as number;
  const out: any[] = [];
  for (let i = 0; i < n; i++) out.push(Sys.Array.getItem(list, i));
  return out;
}
