import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, parseRawGrammar, Registry, type IGrammar, type StateStack } from 'vscode-textmate';

const ROOT = path.join(__dirname, '..', '..');

/** Tokenizes text with the shipped grammar, through the same TextMate engine and regex library VS Code uses. */
async function loadGrammar(): Promise<IGrammar> {
  const wasm = fs.readFileSync(path.join(ROOT, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner: (s) => new oniguruma.OnigScanner(s), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => {
      if (scope !== 'source.kql') return null;
      const file = path.join(ROOT, 'kql', 'syntaxes', 'kql.tmLanguage.json');
      return parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
  });
  const grammar = await registry.loadGrammar('source.kql');
  assert.ok(grammar);
  return grammar;
}

/** [text, innermost scope] of every token. */
function tokenize(grammar: IGrammar, text: string): [string, string][] {
  let state: StateStack = INITIAL;
  const out: [string, string][] = [];
  for (const line of text.split('\n')) {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) out.push([line.slice(t.startIndex, t.endIndex), t.scopes[t.scopes.length - 1]]);
    state = r.ruleStack;
  }
  return out;
}

function scopeOf(tokens: [string, string][], text: string, nth = 0): string {
  const hits = tokens.filter(([t]) => t === text);
  assert.ok(hits.length > nth, `token ${JSON.stringify(text)} in ${JSON.stringify(tokens)}`);
  return hits[nth][1];
}

describe('KQL language: TextMate grammar', () => {
  let grammar: IGrammar;
  before(async () => { grammar = await loadGrammar(); });

  it('scopes tabular operators after a pipe, hyphenated ones included', () => {
    const t = tokenize(grammar, 'Events | where Value > 1 | project-away Payload | mv-expand Tags | summarize count() by bin(Timestamp, 5m)');
    assert.equal(scopeOf(t, 'where'), 'keyword.other.query.operator.kql');
    assert.equal(scopeOf(t, 'project-away'), 'keyword.other.query.operator.kql');
    assert.equal(scopeOf(t, 'mv-expand'), 'keyword.other.query.operator.kql');
    assert.equal(scopeOf(t, 'count'), 'support.function.aggregate.kql');
    assert.equal(scopeOf(t, 'by'), 'keyword.other.kql');
    assert.equal(scopeOf(t, 'bin'), 'support.function.kql');
    assert.equal(scopeOf(t, '5m'), 'constant.numeric.timespan.kql');
    assert.equal(scopeOf(t, 'Timestamp'), 'source.kql', 'plain column names stay unscoped');
  });

  it('scopes strings of every kind, comments and literals', () => {
    const t = tokenize(grammar, [
      "T | where a == 'x\\'y' and b has \"z\" and c == @'C:\\dir' and d == h'secret' // note",
      'let s = ```',
      'multi | where line',
      '```;',
      'print datetime(2024-01-01 10:00), timespan(1.02:03:04), guid(74be27de-1e4e-49d9-b579-fe0b331d3642), dynamic([1, 2]), 1.5h, 100ms, 0x1F, true, null',
    ].join('\n'));
    assert.equal(scopeOf(t, 'x'), 'string.quoted.single.kql');
    assert.equal(scopeOf(t, "\\'"), 'constant.character.escape.kql');
    assert.equal(scopeOf(t, 'z'), 'string.quoted.double.kql');
    assert.equal(scopeOf(t, 'C:\\dir'), 'string.quoted.single.verbatim.kql');
    assert.equal(scopeOf(t, 'h'), 'storage.modifier.obfuscated.kql');
    assert.equal(scopeOf(t, ' note'), 'comment.line.double-slash.kql');
    assert.equal(scopeOf(t, 'multi | where line'), 'string.quoted.other.multiline.kql');
    assert.equal(scopeOf(t, 'let'), 'keyword.other.query.statement.kql');
    assert.equal(scopeOf(t, 's'), 'entity.name.variable.kql');
    assert.equal(scopeOf(t, 'datetime'), 'storage.type.datetime.kql');
    assert.equal(scopeOf(t, '2024-01-01 10:00'), 'constant.other.datetime.kql');
    assert.equal(scopeOf(t, '1.02:03:04'), 'constant.other.timespan.kql');
    assert.equal(scopeOf(t, '74be27de-1e4e-49d9-b579-fe0b331d3642'), 'constant.other.guid.kql');
    assert.equal(scopeOf(t, 'dynamic'), 'storage.type.kql');
    assert.equal(scopeOf(t, '1.5h'), 'constant.numeric.timespan.kql');
    assert.equal(scopeOf(t, '100ms'), 'constant.numeric.timespan.kql');
    assert.equal(scopeOf(t, '0x1F'), 'constant.numeric.hex.kql');
    assert.equal(scopeOf(t, 'true'), 'constant.language.boolean.kql');
    assert.equal(scopeOf(t, 'null'), 'constant.language.null.kql');
  });

  it('scopes word operators with negation, join kinds and render charts', () => {
    const t = tokenize(grammar, "A | where x !in ('a') and y !has 'b' and z between (1 .. 2) | join kind=leftouter (B) on Id | render timechart with (kind=stacked, title='t')");
    assert.equal(scopeOf(t, '!'), 'keyword.operator.negation.kql');
    assert.equal(scopeOf(t, 'in'), 'keyword.operator.word.kql');
    assert.equal(scopeOf(t, 'has'), 'keyword.operator.word.kql');
    assert.equal(scopeOf(t, 'between'), 'keyword.operator.word.kql');
    assert.equal(scopeOf(t, 'leftouter'), 'support.constant.join-kind.kql');
    assert.equal(scopeOf(t, 'on'), 'keyword.other.kql');
    assert.equal(scopeOf(t, 'render'), 'keyword.other.query.operator.kql');
    assert.equal(scopeOf(t, 'timechart'), 'support.constant.chart.kql');
    assert.equal(scopeOf(t, 'stacked'), 'support.constant.property-value.kql');
  });

  it('scopes management commands, types in schemas, stored function calls and #connect lines', () => {
    const t = tokenize(grammar, [
      "#connect cluster('help').database('Samples')",
      '.create-merge table Events (Timestamp:datetime, Value:real) with (folder="raw")',
      '',
      'MyFunction(1h) | take 10',
    ].join('\n'));
    assert.equal(scopeOf(t, '#connect'), 'keyword.control.directive.connect.kql');
    assert.equal(scopeOf(t, 'cluster'), 'support.function.kql');
    assert.equal(scopeOf(t, 'create-merge'), 'keyword.control.command.kql');
    assert.equal(scopeOf(t, 'table'), 'keyword.other.command.kql');
    assert.equal(scopeOf(t, 'datetime'), 'storage.type.kql');
    assert.equal(scopeOf(t, 'real'), 'storage.type.kql');
    assert.equal(scopeOf(t, 'MyFunction'), 'entity.name.function.kql');
    assert.equal(scopeOf(t, '1h'), 'constant.numeric.timespan.kql');
    assert.equal(scopeOf(t, 'take'), 'keyword.other.query.operator.kql');
  });
});
