// KQL → DuckDB SQL. Walks the official parser's tree; names and types of every result column come from the
// analyzer (ResultType), never re-derived here. Each pipe step becomes a nested SELECT; ORDER BY stays outermost.
import { lineColumn, parseAndAnalyze, type KNode } from '../parser';
import { KustoUserError } from '../types';
import { Translator, type Language, type TranslateOptions, type Translation } from './context';
import { expression } from './scalar';
import { tabular } from './tabular';

export { BagUnpackNeedsSchema, type BagUnpackSite, type TranslateOptions, type Translation } from './context';
export { convertFromText } from './conversions';

const LANGUAGE: Language = { tabular, expr: expression };

/** Parses, analyzes and translates a query; throws KustoUserError with position for anything it can't do exactly. */
export function translateQuery(text: string, globals: KNode, opts: TranslateOptions): Translation {
  const { code, diagnostics } = parseAndAnalyze(text, globals);
  const errs = diagnostics.filter((d) => d.severity === 'Error');
  if (errs.length > 0) {
    const d = errs[0];
    const pos = lineColumn(text, d.start);
    const syntax = /^KS0\d\d$/.test(d.code) || d.category === 'Syntax';
    throw new KustoUserError(syntax ? 'Syntax' : 'Semantic', `${syntax ? 'Syntax' : 'Semantic'} error: ${d.code}: ${d.message} [line:position=${pos.line}:${pos.column}]`, pos);
  }
  return new Translator(text, opts, LANGUAGE).query(code.Syntax);
}
