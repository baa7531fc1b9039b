// Edits Eventline makes to the user's eventline.json: as small text edits through jsonc-parser, so the rest of the
// file keeps the user's formatting, order and spacing. Each function returns the edited text; the caller applies
// it as a replacement of the whole document (one undo step) or writes it.
import { applyEdits, findNodeAtLocation, modify, parseTree, type FormattingOptions, type Node } from 'jsonc-parser';
import type { Alert, FunctionDef } from './manifest';
import { legacySecretReferences } from './secretReferences';

/** The indentation and line ending the file already uses (two spaces and \n for a file that shows none). */
export function formattingOf(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /\n([ \t]+)["{[\]}]/.exec(text)?.[1];
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indent?.length || 2, eol };
}

function root(text: string): Node {
  const node = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!node || node.type !== 'object') throw new Error('eventline.json does not hold a JSON object; fix it first.');
  return node;
}

/** The properties of a functions entry the scaffold owns; others (enabled, settings) are the user's. */
const SCAFFOLD_KEYS = ['name', 'path', 'source', 'hub', 'schedule', 'partitionKey'] as const;

export interface FunctionEntryEdit { text: string; index: number; added: boolean }

/** The whitespace before a node when it starts its own line, else undefined (it shares a line with what precedes it). */
function ownLineIndent(text: string, offset: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(before) ? before : undefined;
}

function indentUnit(f: FormattingOptions): string {
  return f.insertSpaces ? ' '.repeat(f.tabSize ?? 2) : '\t';
}

/** A value as the file would write it at this indentation. */
function formatValue(value: unknown, indent: string, f: FormattingOptions): string {
  return JSON.stringify(value, null, indentUnit(f)).split('\n').join(`${f.eol}${indent}`);
}

function insertAt(text: string, offset: number, content: string): string {
  return text.slice(0, offset) + content + text.slice(offset);
}

/**
 * Inserts `"key": value` after the property `after` of an object. jsonc-parser would re-format the whole line the
 * insertion lands on (a compact `"sources": [ … ]` line would be spread out); this keeps that line as it is and
 * writes the new property in the style of its neighbour: on its own line with the same indentation, or inline in
 * a one-line object.
 */
function insertPropertyAfter(text: string, after: Node, key: string, value: unknown, f: FormattingOptions): string {
  const indent = ownLineIndent(text, after.offset);
  const end = after.offset + after.length;
  if (indent === undefined) return insertAt(text, end, `, ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  return insertAt(text, end, `,${f.eol}${indent}${JSON.stringify(key)}: ${formatValue(value, indent, f)}`);
}

/** Appends an element after the last one of a non-empty array, in the style of that element. */
function appendElement(text: string, last: Node, value: unknown, f: FormattingOptions): string {
  const indent = ownLineIndent(text, last.offset);
  const end = last.offset + last.length;
  if (indent === undefined) return insertAt(text, end, `, ${JSON.stringify(value)}`);
  return insertAt(text, end, `,${f.eol}${indent}${formatValue(value, indent, f)}`);
}

/** Sets one property of an object: replaces its value, or adds it after the last property. */
function setProperty(text: string, path: (string | number)[], key: string, value: unknown, f: FormattingOptions): string {
  const obj = findNodeAtLocation(root(text), path);
  const props = obj?.children ?? [];
  const existing = props.find((p) => p.children?.[0]?.value === key);
  if (value === undefined) return existing ? applyEdits(text, modify(text, [...path, key], undefined, { formattingOptions: f })) : text;
  if (existing || props.length === 0) return applyEdits(text, modify(text, [...path, key], value, { formattingOptions: f }));
  return insertPropertyAfter(text, props[props.length - 1], key, value, f);
}

/**
 * Adds the functions entry, or updates the one with the same name (else the same path): only the properties the
 * scaffold sets change; `enabled` and `settings` stay as the user left them. A new `functions` array goes right
 * after `sources`. Everything else keeps its bytes.
 */
export function upsertFunctionEntry(text: string, entry: FunctionDef): FunctionEntryEdit {
  const f = formattingOf(text);
  const tree = root(text);
  const value = clean(entry);
  const list = findNodeAtLocation(tree, ['functions']);
  if (!list || list.type !== 'array') {
    const props = tree.children ?? [];
    const sources = props.find((p) => p.children?.[0]?.value === 'sources');
    const after = sources ?? props[props.length - 1];
    if (after && !list) return { text: insertPropertyAfter(text, after, 'functions', [value], f), index: 0, added: true };
    return { text: applyEdits(text, modify(text, ['functions'], [value], { formattingOptions: f })), index: 0, added: true };
  }
  const items = list.children ?? [];
  const valueOf = (n: Node, key: string) => {
    const v = findNodeAtLocation(n, [key]);
    return v?.type === 'string' ? (v.value as string) : undefined;
  };
  const norm = (p: string | undefined) => (p ?? '').replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
  let index = items.findIndex((n) => valueOf(n, 'name') === entry.name);
  if (index < 0) index = items.findIndex((n) => norm(valueOf(n, 'path')) === norm(entry.path));
  if (index < 0) {
    const out = items.length
      ? appendElement(text, items[items.length - 1], value, f)
      : applyEdits(text, modify(text, ['functions', 0], value, { formattingOptions: f, isArrayInsertion: true }));
    return { text: out, index: items.length, added: true };
  }
  let out = text;
  for (const key of SCAFFOLD_KEYS) {
    const current = findNodeAtLocation(root(out), ['functions', index, key]);
    if (current?.value === entry[key] || (!current && entry[key] === undefined)) continue;
    out = setProperty(out, ['functions', index], key, entry[key], f);
  }
  return { text: out, index, added: false };
}

function clean(entry: FunctionDef): FunctionDef {
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as unknown as FunctionDef;
}

/** Replaces `sources[i].auth.secret` (a `secretStorage` reference) with `{"keyVaultSecret": name}`. */
export function rewriteSecretReference(text: string, sourceIndex: number, secretName: string): string {
  const node = findNodeAtLocation(root(text), ['sources', sourceIndex, 'auth', 'secret']);
  if (!node) throw new Error(`eventline.json has no sources[${sourceIndex}].auth.secret any more; it may have changed meanwhile.`);
  return applyEdits(text, modify(text, ['sources', sourceIndex, 'auth', 'secret'], { keyVaultSecret: secretName }, { formattingOptions: formattingOf(text) }));
}

/**
 * Points every source whose key is the SecretStorage name `from` at the Key Vault secret `to` (the text as it is
 * now, so a file edited since the diagnostic was shown is still rewritten at the right places).
 */
export function rewriteSecretStorageReferences(text: string, from: string, to: string): string {
  let out = text;
  for (const r of legacySecretReferences(text).filter((ref) => ref.name === from)) out = rewriteSecretReference(out, r.sourceIndex, to);
  return out;
}

export interface AlertEntriesEdit { text: string; added: string[]; replaced: string[] }

/**
 * Writes alerts into `alerts[]`: an alert with the name of an existing one replaces it (in its place), the others
 * are appended (a missing `alerts` array is created at the end). Everything else keeps its bytes.
 */
export function upsertAlertEntries(text: string, alerts: Alert[]): AlertEntriesEdit {
  const f = formattingOf(text);
  let out = text;
  const added: string[] = [];
  const replaced: string[] = [];
  for (const alert of alerts) {
    const tree = root(out);
    const list = findNodeAtLocation(tree, ['alerts']);
    if (!list || list.type !== 'array') {
      const props = tree.children ?? [];
      out = props.length && !list
        ? insertPropertyAfter(out, props[props.length - 1], 'alerts', [alert], f)
        : applyEdits(out, modify(out, ['alerts'], [alert], { formattingOptions: f }));
      added.push(alert.name);
      continue;
    }
    const items = list.children ?? [];
    const index = items.findIndex((n) => findNodeAtLocation(n, ['name'])?.value === alert.name);
    if (index >= 0) {
      out = applyEdits(out, modify(out, ['alerts', index], alert, { formattingOptions: f }));
      replaced.push(alert.name);
    } else {
      out = items.length
        ? appendElement(out, items[items.length - 1], alert, f)
        : applyEdits(out, modify(out, ['alerts', 0], alert, { formattingOptions: f, isArrayInsertion: true }));
      added.push(alert.name);
    }
  }
  return { text: out, added, replaced };
}
