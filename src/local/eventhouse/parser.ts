/* eslint-disable @typescript-eslint/no-explicit-any */
// The official Kusto parser (Kusto.Language compiled to JS by Bridge.NET). Its surface is untyped globals with
// `$ctorN` overloads, so this file is the one place that touches it with `any`; everything else uses the helpers.

import * as path from 'node:path';
import { bracket } from '../../core/kustoNames';
import { bridgeItems, loadKustoRuntime } from '../../core/kustoRuntime';
import { DOTNET_TYPE, ktype } from './types';

export type KNode = any;

let loaded: { L: any; Sym: any; S: any; Sys: any } | undefined;

/** Loads the parser once per process (0.4–0.7 s) and keeps it warm. */
export function kusto(): { L: any; Sym: any; S: any; Sys: any } {
  if (!loaded) {
    const g = loadKustoRuntime(path.join(__dirname, 'kusto'));
    loaded = { L: g.Kusto.Language, Sym: g.Kusto.Language.Symbols, S: g.Kusto.Language.Syntax, Sys: g.System };
  }
  return loaded;
}

const kindNames = new Map<number, string>();

export function kindName(n: KNode): string {
  const k = n.Kind as number;
  let name = kindNames.get(k);
  if (name === undefined) {
    const { S, Sys } = kusto();
    name = String(Sys.Enum.getName(S.SyntaxKind, k));
    kindNames.set(k, name);
  }
  return name;
}

export function symbolKindName(sym: KNode): string {
  const { Sym, Sys } = kusto();
  return String(Sys.Enum.getName(Sym.SymbolKind, sym.Kind));
}

/** Items of a Bridge list or array. */
export function items(list: KNode): KNode[] {
  kusto();
  return bridgeItems(list);
}

/** Elements of a SyntaxList<SeparatedElement<T>>, unwrapped. */
export function elems(list: KNode): KNode[] {
  if (list == null) return [];
  const out: KNode[] = [];
  for (let i = 0; i < list.Count; i++) {
    const e = list.getItem(i);
    out.push(e && e.Element$1 !== undefined ? e.Element$1 : e && e.Element !== undefined ? e.Element : e);
  }
  return out;
}

export interface ColumnDef { name: string; type: string }
export interface FunctionDef { name: string; parameters: string; body: string; folder: string; docString: string }
export interface DatabaseDef { name: string; tables: { name: string; columns: ColumnDef[] }[]; functions: FunctionDef[] }

/** A GlobalState whose cluster holds every database and whose default database is `current`. */
export function globalStateFor(databases: DatabaseDef[], current: string): KNode {
  const { L, Sym } = kusto();
  const dbSymbols = databases.map((d) => {
    const members: KNode[] = d.tables.map((t) => new Sym.TableSymbol.$ctor7(t.name, `(${t.columns.map((c) => `${bracket(c.name)}:${c.type}`).join(', ')})`, null));
    for (const f of d.functions) members.push(new Sym.FunctionSymbol.$ctor16(f.name, f.parameters, f.body, null));
    return new Sym.DatabaseSymbol.ctor(d.name, members);
  });
  const cluster = new Sym.ClusterSymbol.ctor('127.0.0.1', dbSymbols);
  let g = L.GlobalState.Default.WithCluster(cluster);
  const db = dbSymbols.find((d: KNode) => d.Name === current);
  if (db) g = g.WithDatabase(db);
  // ParseAndAnalyze switches on end tokens and the binder attaches a KustoCache; each returns a new GlobalState
  // when the setting is missing, which would drop the lazily built function/operator maps and the binding cache
  // after every query. Settling both here lets every analysis against this schema reuse them.
  g = g.WithParseOptions(g.ParseOptions.WithAlwaysProduceEndTokens(true));
  return g.WithCache();
}

/**
 * A stored function's parameters as `.show database schema as json` lists them (InputParameters): a scalar one with
 * its .NET and Kusto type and its default's text, a tabular one with the columns it requires (none: any table).
 */
export function functionParameters(f: FunctionDef): Record<string, unknown>[] {
  const { Sym, Sys } = kusto();
  const sym = new Sym.FunctionSymbol.$ctor16(f.name, f.parameters, f.body, null);
  const sig = items(sym.Signatures)[0];
  return items(sig?.Parameters).map((p: KNode) => {
    const type = items(p.DeclaredTypes)[0];
    const name = String(p.Name);
    if (type && String(Sys.Enum.getName(Sym.SymbolKind, type.Kind)) === 'Table') {
      return { Name: name, Columns: items(type.Columns).map((c: KNode) => columnJson(String(c.Name), String(c.Type.Name))) };
    }
    return { ...columnJson(name, type ? String(type.Name) : 'dynamic'), CslDefaultValue: p.DefaultValue ? String(p.DefaultValue.ToString()).trim() : null };
  });
}

function columnJson(name: string, cslType: string): { Name: string; Type: string; CslType: string } {
  const t = ktype(cslType);
  return { Name: name, Type: DOTNET_TYPE[t], CslType: t };
}

export interface Diagnostic { code: string; message: string; start: number; length: number; severity: string; category: string }

export function parseAndAnalyze(text: string, globals: KNode): { code: KNode; diagnostics: Diagnostic[] } {
  const { L } = kusto();
  const code = L.KustoCode.ParseAndAnalyze(text, globals);
  const diagnostics = items(code.GetDiagnostics()).map((d: KNode) => ({
    code: String(d.Code), message: String(d.Message), start: Number(d.Start), length: Number(d.Length),
    severity: String(d.Severity), category: String(d.Category),
  }));
  return { code, diagnostics };
}

/** 1-based line and column of an offset in text, as the service reports positions. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') { line++; last = i; }
  return { line, column: offset - last };
}
