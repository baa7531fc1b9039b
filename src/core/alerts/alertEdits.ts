// Edits of eventline.json's `alerts[]` made by the alert commands (Mute, Unmute, the editor's Save): small text
// edits through jsonc-parser, so the rest of the file keeps its formatting, order and comments.
import { applyEdits, findNodeAtLocation, modify, parseTree, type Node } from 'jsonc-parser';
import type { Alert } from '../manifest';
import { formattingOf } from '../manifestEdits';

function alertsNode(text: string): Node | undefined {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root || root.type !== 'object') throw new Error('eventline.json does not hold a JSON object; fix it first.');
  const list = findNodeAtLocation(root, ['alerts']);
  if (list && list.type !== 'array') throw new Error('eventline.json\'s "alerts" is not a list; fix it first.');
  return list;
}

/** The index of the alert named `name` in the file (names compare as the manifest does: exactly). */
export function alertIndex(text: string, name: string): number {
  const items = alertsNode(text)?.children ?? [];
  return items.findIndex((n) => findNodeAtLocation(n, ['name'])?.value === name);
}

function requireIndex(text: string, name: string): number {
  const i = alertIndex(text, name);
  if (i < 0) throw new Error(`eventline.json has no alert "${name}" any more; it may have been renamed or removed meanwhile.`);
  return i;
}

/**
 * Mutes or unmutes an alert. Unmute also enables a disabled rule (it is "make it send again"); a flag at its default
 * (muted false, enabled true) is removed rather than written.
 */
export function setAlertMuted(text: string, name: string, muted: boolean): string {
  const i = requireIndex(text, name);
  const f = formattingOf(text);
  let out = applyEdits(text, modify(text, ['alerts', i, 'muted'], muted ? true : undefined, { formattingOptions: f }));
  if (!muted) out = applyEdits(out, modify(out, ['alerts', i, 'enabled'], undefined, { formattingOptions: f }));
  return out;
}

/**
 * Writes an alert: replaces the one named `previousName` (the editor's rule before a rename), or appends it to
 * `alerts` (made when the file has none). Returns the text and the alert's index.
 */
export function upsertAlert(text: string, alert: Alert, previousName?: string): { text: string; index: number; added: boolean } {
  const f = formattingOf(text);
  const list = alertsNode(text);
  const existing = previousName === undefined ? -1 : alertIndex(text, previousName);
  if (previousName !== undefined && existing < 0) {
    throw new Error(`eventline.json has no alert "${previousName}" any more (renamed or removed meanwhile); save it as a new alert by giving it a name that is not taken.`);
  }
  if (existing >= 0) return { text: applyEdits(text, modify(text, ['alerts', existing], alert, { formattingOptions: f })), index: existing, added: false };
  if (alertIndex(text, alert.name) >= 0) throw new Error(`eventline.json already has an alert "${alert.name}"; alert names must be unique.`);
  if (!list) return { text: applyEdits(text, modify(text, ['alerts'], [alert], { formattingOptions: f })), index: 0, added: true };
  const index = list.children?.length ?? 0;
  return { text: applyEdits(text, modify(text, ['alerts', -1], alert, { formattingOptions: f, isArrayInsertion: true })), index, added: true };
}
