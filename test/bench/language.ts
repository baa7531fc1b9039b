// Benchmark of the KQL language server (not a test). Two parts, same query text and schema:
//  1. the built server (dist/languageServer.js) forked over IPC as VS Code's client does it: cold start (fork →
//     first completion answered, first diagnostics published), then warm completion round trips after edits;
//  2. the service in this process: warm completion and diagnostics after an edit, beside the baseline of a raw
//     Kusto.Language parse (and parse + semantic analysis) of the same text.
// Usage: npm run bench:language        (BENCH_RUNS=100 for more samples)
import { fork } from 'node:child_process';
import * as path from 'node:path';
import type * as Rpc from 'vscode-jsonrpc/lib/node/main';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { KqlService } from '../../src/language/kustoService';
import { loadKusto } from '../../src/language/kustoBridge';
import { connectionKey, DOCUMENT_CONNECTION_NOTIFICATION, SCHEMA_NOTIFICATION } from '../../src/language/protocol';
import type { CompactDatabase } from '../../src/language/schema';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require('vscode-jsonrpc/node') as typeof Rpc;

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const CLUSTER = 'http://127.0.0.1:8090';
const KEY = connectionKey({ cluster: CLUSTER, database: 'bench' });

/** A schema of realistic size: 30 tables of 25 columns, 10 stored functions. */
function schema(): CompactDatabase {
  const types = ['string', 'long', 'real', 'datetime', 'dynamic', 'bool', 'timespan', 'guid', 'int'];
  const tables = Array.from({ length: 30 }, (_, t) => ({
    name: t === 0 ? 'Events' : `Table${t}`,
    columns: Array.from({ length: 25 }, (_, c): [string, string] => c === 0 ? ['Timestamp', 'datetime'] : c === 1 ? ['Source', 'string'] : c === 2 ? ['Value', 'real'] : [`Col${c}`, types[c % types.length]]),
  }));
  const functions = Array.from({ length: 10 }, (_, f) => ({ name: `Fn${f}`, parameters: '(window:timespan)', body: '{ Events | where Timestamp > ago(window) }' }));
  return { name: 'bench', tables, functions };
}

const QUERY = [
  'let window = 1h;',
  'let sources = Table1 | where Col3 > 10 | distinct Source;',
  'Events',
  '| where Timestamp > ago(window) and Source in (sources)',
  '| extend Bucket = bin(Timestamp, 5m), Kind = tostring(Col4.kind)',
  '| join kind=leftouter (Table2 | project Source, Col5) on Source',
  '| summarize Count = count(), Avg = avg(Value), P95 = percentile(Value, 95) by Bucket, Source, Kind',
  '| order by Bucket asc',
  '| take 1000',
  '| where ',
].join('\n');

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const pick = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return `p50 ${pick(0.5).toFixed(1)} ms, p95 ${pick(0.95).toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms (n=${s.length})`;
}

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function serverProcess(): Promise<void> {
  const serverPath = path.join(__dirname, '..', '..', 'dist', 'languageServer.js');
  const started = performance.now();
  const child = fork(serverPath, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const conn = rpc.createMessageConnection(new rpc.IPCMessageReader(child), new rpc.IPCMessageWriter(child));
  const published: { uri: string; at: number; count: number }[] = [];
  let onPublish: (() => void) | undefined;
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: unknown[] }) => {
    published.push({ uri: p.uri, at: performance.now(), count: p.diagnostics.length });
    onPublish?.();
  });
  let warm = false;
  let onWarm: (() => void) | undefined;
  const serverTimes: number[] = [];
  conn.onNotification('window/logMessage', (m: { message: string }) => {
    const slow = /^KQL completion took (\d+) ms/.exec(m.message);
    if (slow) serverTimes.push(Number(slow[1]));
    if (/warm in \d+ ms/.test(m.message)) {
      warm = true;
      onWarm?.();
    }
  });
  conn.listen();
  try {
    await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    const initMs = performance.now() - started;
    await conn.sendNotification('initialized', {});
    const uri = 'file:///bench/query.kql';
    await conn.sendNotification(SCHEMA_NOTIFICATION, { key: KEY, cluster: CLUSTER, schema: schema() });
    await conn.sendNotification(DOCUMENT_CONNECTION_NOTIFICATION, { uri, key: KEY });
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'kql', version: 1, text: QUERY } });
    const lines = QUERY.split('\n');
    const end = { line: lines.length - 1, character: lines[lines.length - 1].length };
    const first = await conn.sendRequest<{ items: { label: string }[] }>('textDocument/completion', { textDocument: { uri }, position: end });
    const firstCompletionMs = performance.now() - started;
    if (!first.items.some((i) => i.label === 'Source')) throw new Error('the first completion has no column names');
    while (!published.some((p) => p.uri === uri)) await new Promise<void>((r) => { onPublish = r; });
    const firstDiagnosticsMs = published.find((p) => p.uri === uri)!.at - started;
    // Warm means after the server's own warm-up (the command grammar) is done too.
    while (!warm) await new Promise<void>((r) => { onWarm = r; });
    const warmMs = performance.now() - started;

    const samples: number[] = [];
    let version = 1;
    for (let i = 0; i < RUNS; i++) {
      // Type a character and delete it again, as a user does, so every completion sees a new text version.
      const change = i % 2 === 0 ? { range: { start: end, end }, text: 'S' } : { range: { start: end, end: { ...end, character: end.character + 1 } }, text: '' };
      await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [change] });
      const pos = i % 2 === 0 ? { ...end, character: end.character + 1 } : end;
      const t = performance.now();
      await conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: pos });
      samples.push(performance.now() - t);
    }
    // Baseline for the same channel: a request the server answers without Kusto work (hover on an empty document).
    const empty = 'file:///bench/empty.kql';
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: empty, languageId: 'kql', version: 1, text: '' } });
    const ipc: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await conn.sendRequest('textDocument/hover', { textDocument: { uri: empty }, position: { line: 0, character: 0 } });
      ipc.push(performance.now() - t);
    }
    console.log('Language server process (dist/languageServer.js over IPC, as VS Code runs it):');
    console.log(`  initialize answered        ${initMs.toFixed(0)} ms after fork`);
    console.log(`  first completion answered  ${firstCompletionMs.toFixed(0)} ms after fork (loads Kusto.Language, builds grammars)`);
    console.log(`  first diagnostics          ${firstDiagnosticsMs.toFixed(0)} ms after fork`);
    console.log(`  warm-up done (query + command grammars) ${warmMs.toFixed(0)} ms after fork`);
    console.log(`  warm completion round trip ${stats(samples)}`);
    console.log(`  of those, ${serverTimes.length} spent > 100 ms inside the server's handler${serverTimes.length ? ` (${serverTimes.join(', ')} ms)` : ''}`);
    console.log(`  baseline empty request     ${stats(ipc)}  (completion p50 is ${(median(samples) / median(ipc)).toFixed(1)}× this round trip)`);
    await conn.sendRequest('shutdown');
    await conn.sendNotification('exit');
  } finally {
    conn.dispose();
    if (child.exitCode === null) child.kill();
  }
}

function inProcess(): void {
  const loadStarted = performance.now();
  const k = loadKusto();
  const loadMs = performance.now() - loadStarted;
  const service = new KqlService(k);
  service.setSchema(KEY, CLUSTER, schema());
  const uri = 'file:///bench/inproc.kql';
  service.setDocumentConnection(uri, KEY);
  const firstStarted = performance.now();
  service.diagnostics(TextDocument.create(uri, 'kql', 0, QUERY));
  const firstMs = performance.now() - firstStarted;

  const completion: number[] = [];
  const diagnostics: number[] = [];
  const parse: number[] = [];
  const analyze: number[] = [];
  const globals = k.L.GlobalState.Default;
  for (let i = 0; i < RUNS; i++) {
    // A new text each round (as after a keystroke): nothing is served from a previous analysis of the block. (The
    // round number, not trailing spaces: with spaces, one round's diagnostics text was the next round's completion
    // text, so completion reused that analysis and measured 35-40 ms instead of about 60.)
    const text = `// edit ${i}\n${QUERY}`;
    let t = performance.now();
    k.L.KustoCode.Parse(text);
    parse.push(performance.now() - t);
    t = performance.now();
    k.L.KustoCode.ParseAndAnalyze(text, globals);
    analyze.push(performance.now() - t);
    const d1 = TextDocument.create(uri, 'kql', 2 * i + 1, text);
    t = performance.now();
    const list = service.completion(d1, text.length);
    completion.push(performance.now() - t);
    if (!list.items.some((it) => it.label === 'Source')) throw new Error('no column completion');
    const d2 = TextDocument.create(uri, 'kql', 2 * i + 2, `${text} `);
    t = performance.now();
    service.diagnostics(d2);
    diagnostics.push(performance.now() - t);
  }
  console.log('Service in this process (same query, 30 tables × 25 columns):');
  console.log(`  load Kusto.Language        ${loadMs.toFixed(0)} ms; first diagnostics ${firstMs.toFixed(0)} ms`);
  console.log(`  baseline raw parse         ${stats(parse)}`);
  console.log(`  baseline parse + analyze   ${stats(analyze)}`);
  console.log(`  completion after an edit   ${stats(completion)}  (${(median(completion) / median(analyze)).toFixed(1)}× parse + analyze)`);
  console.log(`  diagnostics after an edit  ${stats(diagnostics)}  (${(median(diagnostics) / median(analyze)).toFixed(1)}× parse + analyze)`);
}

async function main(): Promise<void> {
  // The server first: its cold start must not be helped by this process having the bridge loaded (separate
  // processes, but the OS file cache is warm either way after the first run).
  await serverProcess();
  inProcess();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
