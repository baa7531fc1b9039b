/* eslint-disable @typescript-eslint/no-explicit-any */
// The KQL language service proper, free of vscode and of the LSP connection so plain mocha can drive it: documents
// in, LSP-shaped diagnostics, completions, hover and signature help out, on Kusto.Language's CodeScript (a `.kql`
// file is several queries separated by blank lines, each analysed on its own, as in Kusto Explorer).
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CompletionItemKind, DiagnosticSeverity, InsertTextFormat, MarkupKind,
  type CompletionItem, type CompletionList, type Diagnostic, type Hover, type ParameterInformation, type Range,
  type SignatureHelp, type SignatureInformation,
} from 'vscode-languageserver-types';
import { FileConnects } from '../core/kql/queryBlocks';
import { bracket } from '../core/kustoNames';
import { connectionKey, keyParts } from './protocol';
import { items, loadKusto, type KustoApi } from './kustoBridge';
import type { CompactDatabase } from './schema';

/** Diagnostics that only mean "this name is not in the schema we know" — noise while no schema is loaded. */
const NAME_RESOLUTION_CODES = new Set(['KS204', 'KS205', 'KS206', 'KS207', 'KS208', 'KS209', 'KS210', 'KS211', 'KS142']);

/** Replaces `#connect …` directive lines with spaces: the connection is the client's business, offsets must not move. */
export function blankDirectives(text: string): string {
  if (!/#connect/i.test(text)) return text;
  return text.replace(/^[ \t]*#connect\b[^\r\n]*/gim, (line) => ' '.repeat(line.length));
}

interface DocState {
  key: string | undefined;
  globals: any;
  text: string;
  script: any;
  /** The document's `#connect` lines, read once per text; undefined when it has none. */
  connects: FileConnects | undefined;
  /** The same text analysed against another connection's schema, for the blocks a `#connect` sends there. */
  others: Map<string, { globals: any; text: string; script: any }>;
}

export interface BlockInfo { start: number; end: number; kind: string; text: string }

export class KqlService {
  private readonly k: KustoApi;
  /** GlobalState per connection key, with the connection's database as the default one. */
  private readonly globalsByKey = new Map<string, any>();
  private readonly docs = new Map<string, DocState>();
  private readonly docKeys = new Map<string, string | undefined>();
  private readonly defaultGlobals: any;
  private readonly completionOptions: any;
  private signatureCache: { text: string; globals: any; code: any } | undefined;

  constructor(k: KustoApi = loadKusto()) {
    this.k = k;
    this.defaultGlobals = k.L.GlobalState.Default.WithCache();
    this.completionOptions = k.E.CompletionOptions.Default;
  }

  /** Replaces (or, with `schema` undefined, forgets) a connection's schema. Returns the documents to re-check. */
  setSchema(key: string, cluster: string, schema: CompactDatabase | undefined): string[] {
    if (schema) this.globalsByKey.set(key, this.globalsFor(cluster, schema));
    else this.globalsByKey.delete(key);
    return [...this.docKeys].filter(([uri, k]) => k === key || this.docs.get(uri)?.connects).map(([uri]) => uri);
  }

  setDocumentConnection(uri: string, key: string | undefined): void {
    this.docKeys.set(uri, key);
  }

  closeDocument(uri: string): void {
    this.docs.delete(uri);
    this.docKeys.delete(uri);
  }

  hasSchema(uri: string): boolean {
    const key = this.docKeys.get(uri);
    return key !== undefined && this.globalsByKey.has(key);
  }

  private globalsFor(cluster: string, db: CompactDatabase): any {
    const { L, Sym } = this.k;
    const members: any[] = [];
    for (const t of db.tables) {
      const schema = `(${t.columns.map(([n, ty]) => `${bracket(n)}:${ty}`).join(', ')})`;
      try {
        if (t.kind === 'materializedView') members.push(new Sym.MaterializedViewSymbol.$ctor3(t.name, schema, '', t.docString ?? null));
        else if (t.kind === 'externalTable') members.push(new Sym.ExternalTableSymbol.$ctor4(t.name, schema, t.docString ?? null));
        else members.push(new Sym.TableSymbol.$ctor7(t.name, schema, t.docString ?? null));
      } catch {
        // A column type this Kusto.Language does not know: keep the table, without the odd columns' types.
        members.push(new Sym.TableSymbol.$ctor7(t.name, `(${t.columns.map(([n]) => `${bracket(n)}:dynamic`).join(', ')})`, null));
      }
    }
    for (const f of db.functions) {
      try {
        members.push(new Sym.FunctionSymbol.$ctor16(f.name, f.parameters, f.body, f.docString ?? null));
      } catch {
        // An unparsable parameter list must not cost the whole schema.
      }
    }
    const dbSymbol = new Sym.DatabaseSymbol.ctor(db.name, members);
    const host = cluster.replace(/^[a-z]+:\/\//i, '').replace(/[:/].*$/, '') || 'cluster';
    return L.GlobalState.Default.WithCluster(new Sym.ClusterSymbol.ctor(host, [dbSymbol])).WithDatabase(dbSymbol).WithCache();
  }

  /** The CodeScript for a document, updated incrementally: unchanged blocks keep their analysis. */
  private scriptFor(doc: TextDocument): DocState {
    const key = this.docKeys.get(doc.uri);
    const globals = (key !== undefined ? this.globalsByKey.get(key) : undefined) ?? this.defaultGlobals;
    const raw = doc.getText();
    const text = blankDirectives(raw);
    let state = this.docs.get(doc.uri);
    if (!state || state.key !== key) {
      state = { key, globals, text, script: this.k.E.CodeScript.From$1(text, globals), connects: text !== raw ? new FileConnects(raw) : undefined, others: new Map() };
    } else {
      if (state.globals !== globals) state = { ...state, globals, script: state.script.WithGlobals(globals) };
      if (state.text !== text) state = { ...state, text, script: state.script.WithText(text), connects: text !== raw ? new FileConnects(raw) : undefined };
    }
    this.docs.set(doc.uri, state);
    return state;
  }

  /**
   * The document's text analysed against `key`'s schema (kept up to date like the main one), or, while that schema
   * is unknown, against none: its blocks then offer the language and the built-in functions, never the names of the
   * document's own database, which are not there.
   */
  private otherScript(state: DocState, key: string): { globals: any; script: any } {
    const globals = this.globalsByKey.get(key) ?? this.defaultGlobals;
    let other = state.others.get(key);
    if (!other) other = { globals, text: state.text, script: this.k.E.CodeScript.From$1(state.text, globals) };
    if (other.globals !== globals) other = { ...other, globals, script: other.script.WithGlobals(globals) };
    if (other.text !== state.text) other = { ...other, text: state.text, script: other.script.WithText(state.text) };
    state.others.set(key, other);
    return other;
  }

  /** The blocks of a document (offsets in the document), for callers such as "run the block under the cursor". */
  blocks(doc: TextDocument): BlockInfo[] {
    return items(this.scriptFor(doc).script.Blocks).map((b) => ({ start: b.Start, end: b.End, kind: String(b.Kind), text: String(b.Text) }));
  }

  private blockAt(script: any, offset: number): any {
    const all = items(script.Blocks);
    return all.find((b) => b.Start <= offset && offset < b.End) ?? all.find((b) => b.End === offset) ?? all[all.length - 1];
  }

  /**
   * The connection a block runs against: the document's, unless a `#connect` on the block's first line or above
   * it in a `.kql` file sends it elsewhere (as "Run" and the notebook controller do). Undefined when unknown.
   */
  private blockKey(doc: TextDocument, state: DocState, block: any): string | undefined {
    if (state.key === undefined || !state.connects) return state.key;
    const start = Number(block.Start);
    const ref = state.connects.connectionOf(doc.positionAt(start).line, doc.getText().slice(start, Number(block.End)), keyParts(state.key));
    return ref ? connectionKey(ref) : undefined;
  }

  /**
   * The block at `offset`, analysed against the schema of the database it runs on when that is known; otherwise
   * against the document's (names then are the document's database's, which is all there is to offer).
   */
  private resolve(doc: TextDocument, offset: number): { block: any; globals: any } | undefined {
    const state = this.scriptFor(doc);
    const block = this.blockAt(state.script, offset);
    if (!block) return undefined;
    const key = this.blockKey(doc, state, block);
    const other = key !== state.key && key !== undefined ? this.otherScript(state, key) : undefined;
    return other ? { block: this.blockAt(other.script, offset), globals: other.globals } : { block, globals: state.globals };
  }

  diagnostics(doc: TextDocument): Diagnostic[] {
    const state = this.scriptFor(doc);
    const out: Diagnostic[] = [];
    // The blocks of each other connection's analysis, by start offset (same text, so the same blocks).
    const otherBlocks = new Map<string, Map<number, any>>();
    for (const main of items(state.script.Blocks)) {
      if (!String(main.Text).trim()) continue;
      // A block a #connect sends to another database is checked against that database's schema, if it is known.
      const key = this.blockKey(doc, state, main);
      const other = key !== state.key && key !== undefined ? this.otherScript(state, key) : undefined;
      let block = main;
      if (other && key !== undefined) {
        let byStart = otherBlocks.get(key);
        if (!byStart) otherBlocks.set(key, (byStart = new Map(items(other.script.Blocks).map((b) => [Number(b.Start), b]))));
        block = byStart.get(Number(main.Start)) ?? main;
      }
      const known = key === state.key ? this.hasSchema(doc.uri) : key !== undefined && this.globalsByKey.has(key);
      const isCommand = block.Kind === this.k.E.CodeKinds.Command;
      let found = items(block.Service.GetDiagnostics(true)).filter((d) => d.Severity !== 'Hidden');
      if (!known) found = found.filter((d) => !NAME_RESOLUTION_CODES.has(String(d.Code)));
      if (isCommand) {
        // The command grammar is large and the service knows less about commands than about queries (and the
        // local Eventhouse adds its own): show the first syntax error only, as a warning; never semantic ones.
        found = found.filter((d) => /^KS0\d\d$/.test(String(d.Code)) || String(d.Category) === 'Syntax').slice(0, 1);
      }
      for (const d of found) {
        const start = Number(d.Start);
        const end = start + Math.max(0, Number(d.Length));
        out.push({
          range: { start: doc.positionAt(start), end: doc.positionAt(end) },
          severity: isCommand ? DiagnosticSeverity.Warning : severity(String(d.Severity)),
          code: String(d.Code),
          source: 'kql',
          message: String(d.Message),
        });
      }
    }
    return out;
  }

  completion(doc: TextDocument, offset: number): CompletionList {
    const block = this.resolve(doc, offset)?.block;
    if (!block) return { isIncomplete: false, items: [] };
    const info = block.Service.GetCompletionItems(offset, this.completionOptions);
    if (!info) return { isIncomplete: false, items: [] };
    const range: Range = { start: doc.positionAt(info.EditStart), end: doc.positionAt(info.EditStart + info.EditLength) };
    const list = items(info.Items);
    const width = String(list.length).length;
    const out: CompletionItem[] = list.map((it, i) => {
      const [before, after] = applyTexts(it);
      const item: CompletionItem = {
        label: String(it.DisplayText),
        kind: completionKind(it.Kind, this.k),
        // Kusto.Language already ordered the list by rank and relevance: keep that order.
        sortText: String(i).padStart(width, '0'),
        filterText: String(it.MatchText ?? it.DisplayText),
        textEdit: { range, newText: after ? `${snippetEscape(before)}$0${snippetEscape(after)}` : before },
        insertTextFormat: after ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
      };
      // "where " and "(" leave the caret where the next completion is useful: open the list again, as Kusto Explorer does.
      if (it.Retrigger) item.command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
      return item;
    });
    return { isIncomplete: false, items: out };
  }

  hover(doc: TextDocument, offset: number): Hover | null {
    const block = this.resolve(doc, offset)?.block;
    if (!block || !String(block.Text).trim()) return null;
    const info = block.Service.GetQuickInfo(offset, this.k.E.QuickInfoOptions.Default);
    const parts = items(info?.Items).filter((q) => String(q.Text ?? '').trim());
    if (!parts.length) return null;
    const QK = this.k.E.QuickInfoKind;
    const value = parts.map((q) => {
      const text = String(q.Text);
      if (q.Kind === QK.Text) return text;
      if (q.Kind === QK.Error || q.Kind === QK.Warning || q.Kind === QK.Suggestion) return `*${text}*`;
      return '```kql\n' + text + '\n```';
    }).join('\n\n');
    const hover: Hover = { contents: { kind: MarkupKind.Markdown, value } };
    try {
      const el = block.Service.GetElement(offset);
      if (el && el.Length > 0) hover.range = { start: doc.positionAt(el.Start), end: doc.positionAt(el.Start + el.Length) };
    } catch {
      // No element under the cursor: the hover has no range.
    }
    return hover;
  }

  signatureHelp(doc: TextDocument, offset: number): SignatureHelp | null {
    const { block, globals } = this.resolve(doc, offset) ?? {};
    if (!block || block.Kind !== this.k.E.CodeKinds.Query) return null;
    const text = String(block.Text);
    if (this.signatureCache?.text !== text || this.signatureCache.globals !== globals) {
      this.signatureCache = { text, globals, code: this.k.L.KustoCode.ParseAndAnalyze(text, globals) };
    }
    const rel = offset - block.Start;
    const call = this.enclosingCall(this.signatureCache.code, text, rel);
    if (!call) return null;
    const symbol = call.ReferencedSymbol;
    if (!symbol || !(symbol instanceof this.k.Sym.FunctionSymbol)) return null;
    const signatures = items(symbol.Signatures).filter((s) => !s.IsHidden);
    if (!signatures.length) return null;
    const separators = items(call.ArgumentList.Expressions).filter((e) => e.Separator && !e.Separator.IsMissing && e.Separator.TextStart < rel).length;
    const infos: SignatureInformation[] = signatures.map((s) => this.signatureInfo(symbol, s));
    const argCount = separators + 1;
    let active = signatures.findIndex((s) => s.MaxArgumentCount >= argCount && s.MinArgumentCount <= argCount);
    if (active < 0) active = 0;
    const params = infos[active].parameters ?? [];
    const repeatLast = items(signatures[active].Parameters).some((p) => p.IsRepeatable);
    return {
      signatures: infos,
      activeSignature: active,
      activeParameter: params.length ? (repeatLast ? Math.min(separators, params.length - 1) : separators) : 0,
    };
  }

  /** The innermost function call whose parentheses hold `pos` (relative to the code's text). */
  private enclosingCall(code: any, text: string, pos: number): any {
    const S = this.k.S;
    // Start from the last token before the caret: at "f(a, |" the token at the caret is the end of the text.
    let p = pos - 1;
    while (p > 0 && /\s/.test(text[p])) p--;
    if (p < 0) return undefined;
    for (let node = code.Syntax.GetTokenAt(p); node; node = node.Parent) {
      if (node.Kind !== S.SyntaxKind.FunctionCallExpression) continue;
      const args = node.ArgumentList;
      const open = args?.OpenParen;
      const close = args?.CloseParen;
      if (!open || open.IsMissing || pos < open.End) continue;
      if (close && !close.IsMissing && pos > close.TextStart) continue;
      return node;
    }
    return undefined;
  }

  private signatureInfo(symbol: any, sig: any): SignatureInformation {
    const parameters: ParameterInformation[] = [];
    const labels: string[] = [];
    for (const p of items(sig.Parameters)) {
      const types = items(p.DeclaredTypes).map((t) => String(t.Name)).filter(Boolean).join(' | ');
      const label = `${p.IsOptional ? '[' : ''}${p.Name}${types ? `: ${types}` : ''}${p.IsRepeatable ? ', ...' : ''}${p.IsOptional ? ']' : ''}`;
      labels.push(label);
      parameters.push(p.Description ? { label, documentation: String(p.Description) } : { label });
    }
    const info: SignatureInformation = { label: `${symbol.Name}(${labels.join(', ')})`, parameters };
    if (symbol.Description) info.documentation = String(symbol.Description);
    return info;
  }
}

/**
 * BeforeText/AfterText are computed (through Bridge's LINQ) on each new CompletionItem, and the completer hands out
 * fresh copies every time (it re-stamps the order text). The copies share their immutable ApplyTexts list, so the
 * two strings are kept per list: for the cached built-in items that turns ~400 LINQ walks per keystroke into lookups.
 */
const applyTextCache = new WeakMap<object, [string, string]>();
function applyTexts(item: any): [string, string] {
  const key = item.ApplyTexts;
  const hit = key && typeof key === 'object' ? applyTextCache.get(key) : undefined;
  if (hit) return hit;
  const result: [string, string] = [String(item.BeforeText ?? ''), String(item.AfterText ?? '')];
  if (key && typeof key === 'object') applyTextCache.set(key, result);
  return result;
}

function severity(s: string): DiagnosticSeverity {
  switch (s) {
    case 'Warning': return DiagnosticSeverity.Warning;
    case 'Suggestion': return DiagnosticSeverity.Hint;
    case 'Information': return DiagnosticSeverity.Information;
    default: return DiagnosticSeverity.Error;
  }
}

function snippetEscape(s: string): string {
  return s.replace(/[\\$}]/g, (c) => `\\${c}`);
}

function completionKind(kind: number, k: KustoApi): CompletionItemKind {
  const K = k.E.CompletionKind;
  switch (kind) {
    case K.Column: return CompletionItemKind.Field;
    case K.Table: case K.MaterialiedView: case K.StoredQueryResult: return CompletionItemKind.Class;
    case K.BuiltInFunction: case K.AggregateFunction: case K.LocalFunction: return CompletionItemKind.Function;
    case K.DatabaseFunction: return CompletionItemKind.Method;
    case K.Parameter: case K.Variable: return CompletionItemKind.Variable;
    case K.Database: case K.Cluster: case K.EntityGroup: case K.Graph: return CompletionItemKind.Module;
    case K.RenderChart: case K.Option: return CompletionItemKind.EnumMember;
    case K.ScalarType: return CompletionItemKind.TypeParameter;
    case K.Example: return CompletionItemKind.Value;
    case K.Punctuation: case K.ScalarInfix: return CompletionItemKind.Operator;
    case K.Identifier: return CompletionItemKind.Text;
    default: return CompletionItemKind.Keyword;
  }
}
