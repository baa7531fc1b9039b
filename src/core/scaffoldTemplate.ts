// The files "Scaffold Ingest Function" writes for one functions entry: functions-template/ as it is, with a
// local.settings.json computed for the entry. One place for both writers: the command (src/functions/scaffold.ts)
// and the demo workspace `npm start` creates, so the demo's function is exactly what a user would scaffold.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isTemplateFile, localSettingsJson } from './ingestSettings';
import type { FunctionDef, Manifest } from './manifest';
import type { ScaffoldFile } from './scaffoldPlan';

/** The template's files, relative and with forward slashes (no node_modules or build output). */
export function templateFiles(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (!isTemplateFile(p)) return [];
    return e.isDirectory() ? templateFiles(dir, p) : e.isFile() ? [p] : [];
  });
}

/** The project's files for `entry`; the key stays a Key Vault reference into `vaultUri`. */
export function scaffoldFiles(templateDir: string, manifest: Manifest, entry: FunctionDef, vaultUri: string): ScaffoldFile[] {
  if (!fs.existsSync(path.join(templateDir, 'host.json'))) throw new Error(`The function template is missing from this Eventline install (${templateDir}): reinstall the extension.`);
  const withEntry: Manifest = { ...manifest, functions: [...(manifest.functions ?? []).filter((f) => f.name !== entry.name), entry] };
  return templateFiles(templateDir).map((p) => ({
    path: p,
    content: p === 'local.settings.json' ? `${JSON.stringify(localSettingsJson(withEntry, entry, { vaultUri }), null, 2)}\n` : fs.readFileSync(path.join(templateDir, p), 'utf8'),
  }));
}
