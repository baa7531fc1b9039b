/* eslint-disable @typescript-eslint/no-explicit-any */
// Loads Kusto.Language (the official language service, compiled to JS by Bridge.NET) into the language-server
// process. Its surface is untyped globals, so `any` stays inside src/language's two Kusto-facing files.
import * as path from 'node:path';
import { bridgeItems, loadKustoRuntime } from '../core/kustoRuntime';

export interface KustoApi {
  /** Kusto.Language */
  L: any;
  /** Kusto.Language.Symbols */
  Sym: any;
  /** Kusto.Language.Editor */
  E: any;
  /** Kusto.Language.Syntax */
  S: any;
  /** Bridge's System namespace (lists, enums) */
  Sys: any;
}

let api: KustoApi | undefined;

/** Kusto.Language in this process (see loadKustoRuntime for where the files come from). */
export function loadKusto(bundledDir = path.join(__dirname, 'kusto')): KustoApi {
  if (api) return api;
  const g = loadKustoRuntime(bundledDir);
  api = { L: g.Kusto.Language, Sym: g.Kusto.Language.Symbols, E: g.Kusto.Language.Editor, S: g.Kusto.Language.Syntax, Sys: g.System };
  memoizeBuiltInCompletions(api);
  return api;
}

/** Items of a Bridge list or array as a JS array. */
export function items(list: any): any[] {
  loadKusto();
  return bridgeItems(list);
}

/**
 * Warm completion in a scalar context spends most of its time building the same ~370 items for built-in functions
 * on every keystroke (display text, signature text, a trailing space, each through Bridge's slow collections).
 * Built-in function symbols are process-wide singletons and those items are immutable, so they are cached per
 * symbol and per the three context facts the completer looks at. Database and local functions are never cached
 * (they change with the schema and the text). If a future Kusto.Language renames these internals the patch does
 * nothing and completion is just slower.
 */
function memoizeBuiltInCompletions(k: KustoApi): void {
  const completer = k.E.KustoCompleter;
  const proto = completer?.prototype;
  if (!proto || typeof proto.GetCompletionItemsForSymbol !== 'function' || typeof proto.AddSpaceToCompletionItem !== 'function'
    || typeof completer.IsStartOfQuery !== 'function' || typeof completer.IsInvokeFunctionContext !== 'function') return;
  const original = proto.GetCompletionItemsForSymbol;
  const originalAddSpace = proto.AddSpaceToCompletionItem;
  const bySymbol = new WeakMap<object, Map<string, any[]>>();
  const spaced = new WeakMap<object, any>();
  let lastContext: { node: unknown; key: string } | undefined;
  const FunctionSymbol = k.Sym.FunctionSymbol;

  proto.GetCompletionItemsForSymbol = function (this: any, symbol: any, contextNode: any, nameOnly: boolean, out: any) {
    if (!(symbol instanceof FunctionSymbol) || !this._code?.Globals?.IsBuiltInFunction(symbol)) {
      return original.call(this, symbol, contextNode, nameOnly, out);
    }
    if (lastContext?.node !== contextNode) {
      lastContext = { node: contextNode, key: `${completer.IsStartOfQuery(contextNode)}|${completer.IsInvokeFunctionContext(contextNode)}` };
    }
    const key = `${lastContext?.key}|${nameOnly}`;
    let perSymbol = bySymbol.get(symbol);
    if (!perSymbol) bySymbol.set(symbol, (perSymbol = new Map()));
    let cached = perSymbol.get(key);
    if (!cached) {
      const fresh = new (k.Sys.Collections.Generic.List$1(k.E.CompletionItem).ctor)();
      original.call(this, symbol, contextNode, nameOnly, fresh);
      cached = items(fresh);
      perSymbol.set(key, cached);
    }
    for (const item of cached) out.add(item);
  };

  proto.AddSpaceToCompletionItem = function (this: any, item: any) {
    let result = spaced.get(item);
    if (result === undefined) {
      result = originalAddSpace.call(this, item);
      spaced.set(item, result);
    }
    return result;
  };
}
