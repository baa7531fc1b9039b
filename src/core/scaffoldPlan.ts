// What "Eventline: Scaffold Ingest Function" does to each file of the project it writes. Eventline keeps a record
// of what it wrote (a content hash per file, in the project folder), so running the scaffold again can tell a file
// nobody touched since (safe to update) from one the user edited (never overwritten without asking).
import * as crypto from 'node:crypto';

/** The record file, in the project folder beside host.json. */
export const SCAFFOLD_RECORD_FILE = '.eventline-scaffold.json';

export interface ScaffoldFile {
  /** Relative to the project folder, with forward slashes. */
  path: string;
  content: string;
}

/** What Eventline last wrote: a hash per file it generated. */
export interface ScaffoldRecord {
  version: 1;
  files: Record<string, string>;
}

/**
 * create: the file is not there. unchanged: it already holds exactly the new content. update: it holds what
 * Eventline last wrote, so the new content can replace it. edited: it differs from what Eventline last wrote (the
 * user edited it), or Eventline never wrote it (the user's own file): replace it only if the user says so.
 */
export type FileAction = 'create' | 'unchanged' | 'update' | 'edited';

export interface PlannedFile extends ScaffoldFile {
  action: FileAction;
  /** The file's current content, when it exists. */
  current?: string;
}

/** Line endings do not count: a checkout that turns \n into \r\n has not edited anything. */
export function contentHash(text: string): string {
  return `sha256:${crypto.createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex')}`;
}

/** Reads a record file; anything unreadable counts as no record (every existing file is then the user's). */
export function parseScaffoldRecord(text: string | undefined): ScaffoldRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as { files?: unknown };
    if (!v || typeof v.files !== 'object' || v.files === null) return undefined;
    const files: Record<string, string> = {};
    for (const [k, h] of Object.entries(v.files as Record<string, unknown>)) if (typeof h === 'string') files[k] = h;
    return { version: 1, files };
  } catch {
    return undefined;
  }
}

export function formatScaffoldRecord(record: ScaffoldRecord): string {
  const files = Object.fromEntries(Object.entries(record.files).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify({
    note: 'Written by Eventline: what "Eventline: Scaffold Ingest Function" generated, so running it again updates untouched files and asks before replacing files you edited.',
    version: 1,
    files,
  }, null, 2)}\n`;
}

const sameText = (a: string, b: string) => a.replace(/\r\n/g, '\n') === b.replace(/\r\n/g, '\n');

/** Decides, for each file the scaffold would write, what to do with it. */
export function planScaffold(files: readonly ScaffoldFile[], existing: (path: string) => string | undefined, record: ScaffoldRecord | undefined): PlannedFile[] {
  return files.map((f) => {
    const current = existing(f.path);
    if (current === undefined) return { ...f, action: 'create' };
    if (sameText(current, f.content)) return { ...f, action: 'unchanged', current };
    const written = record?.files[f.path];
    const action: FileAction = written !== undefined && written === contentHash(current) ? 'update' : 'edited';
    return { ...f, action, current };
  });
}

/**
 * The record after a scaffold: files written (or already equal) get the hash of their new content; an edited file
 * the user kept keeps the hash of what Eventline wrote before (so it stays "edited" next time); other entries stay.
 */
export function nextScaffoldRecord(previous: ScaffoldRecord | undefined, plan: readonly PlannedFile[], kept: ReadonlySet<string>): ScaffoldRecord {
  const files: Record<string, string> = { ...(previous?.files ?? {}) };
  for (const f of plan) {
    if (kept.has(f.path)) continue;
    files[f.path] = contentHash(f.content);
  }
  return { version: 1, files };
}

/** Why a project folder (relative to eventline.json's folder) cannot be used, or undefined when it can. */
export function scaffoldFolderProblem(folder: string): string | undefined {
  const f = folder.trim();
  if (!f) return 'Name a folder, e.g. ingest-function.';
  if (/^([a-zA-Z]:)?[\\/]/.test(f)) return 'Use a folder relative to the workspace (where eventline.json is), e.g. ingest-function.';
  const parts = f.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) return 'The project needs its own folder, not the workspace root.';
  if (parts.some((p) => p === '..')) return 'The folder must be inside the workspace (no "..").';
  if (parts.some((p) => /[<>:"|?*]/.test(p) || [...p].some((c) => c.charCodeAt(0) < 32))) return `"${f}" has characters a folder name cannot have.`;
  if (parts[0] === 'node_modules' || parts[0] === '.git') return `"${parts[0]}" is not a place for a project.`;
  return undefined;
}

/** `ingest-function/` → `ingest-function`: the form the manifest's functions[].path uses. */
export function normalizeFolder(folder: string): string {
  return folder.trim().split(/[\\/]+/).filter((p) => p !== '' && p !== '.').join('/');
}
