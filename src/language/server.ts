// The KQL language server: its own Node process (started by src/language/client.ts over IPC), so loading the
// large Kusto.Language bridge and its grammars never blocks the extension host.
import type * as Lsp from 'vscode-languageserver/lib/node/main';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { KqlService } from './kustoService';
import {
  DOCUMENT_CONNECTION_NOTIFICATION, SCHEMA_NOTIFICATION, type DocumentConnectionParams, type SchemaParams,
} from './protocol';

// The package exposes its Node entry only through `exports`, which the repo's `moduleResolution: node` cannot see:
// the types come from the file path, the code through the export esbuild resolves.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createConnection, ProposedFeatures, TextDocuments } = require('vscode-languageserver/node') as typeof Lsp;
/** TextDocumentSyncKind.Incremental (its declaration sits behind the same `exports` wall). */
const INCREMENTAL_SYNC = 2;

const connection: Lsp.Connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

// Loaded on first use rather than at startup so the initialize handshake answers at once; warmUp() then builds
// the grammars in the background before the user's first keystroke needs them.
let service: KqlService | undefined;
function kql(): KqlService {
  if (!service) {
    const started = performance.now();
    service = new KqlService();
    connection.console.info(`Kusto.Language loaded in ${(performance.now() - started).toFixed(0)} ms`);
  }
  return service;
}

/** Per-document debounce: diagnostics follow typing at most every DIAGNOSTIC_DELAY_MS. */
const DIAGNOSTIC_DELAY_MS = 200;
const pending = new Map<string, NodeJS.Timeout>();

function scheduleDiagnostics(uri: string, delay = DIAGNOSTIC_DELAY_MS): void {
  clearTimeout(pending.get(uri));
  pending.set(uri, setTimeout(() => {
    pending.delete(uri);
    const doc = documents.get(uri);
    if (!doc) return;
    const diagnostics = guarded('diagnostics', undefined, () => kql().diagnostics(doc));
    if (diagnostics) void connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
  }, delay));
}

/** Requests slower than this are logged with their time, so a slow machine or a huge block shows in the log. */
const SLOW_MS = 100;

function guarded<T>(what: string, fallback: T, fn: () => T): T {
  const started = performance.now();
  try {
    return fn();
  } catch (e) {
    connection.console.error(`KQL ${what} failed: ${String(e)}`);
    return fallback;
  } finally {
    const ms = performance.now() - started;
    if (ms > SLOW_MS) connection.console.log(`KQL ${what} took ${ms.toFixed(0)} ms`);
  }
}

connection.onInitialize(() => ({
  capabilities: {
    textDocumentSync: INCREMENTAL_SYNC,
    completionProvider: { triggerCharacters: [' ', '|', '.', '(', ',', '=', '\''], resolveProvider: false },
    hoverProvider: true,
    signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [','] },
  },
}));

connection.onInitialized(() => {
  setImmediate(warmUp);
});

const WARM_UP_PAUSE_MS = 300;

/**
 * Builds Kusto.Language's grammars before the user's first keystroke needs them: the query grammar first, then
 * (separately, so requests that arrived meanwhile are answered in between) the much larger command grammar.
 */
function warmUp(): void {
  const started = performance.now();
  const steps: [string, string][] = [
    ['query', 'T | where x > 1 | summarize count() by bin(y, 1h)'],
    ['command', '.show tables'],
  ];
  const next = (): void => {
    const step = steps.shift();
    if (!step) {
      connection.console.info(`KQL language server warm in ${(performance.now() - started).toFixed(0)} ms`);
      return;
    }
    guarded(`${step[0]} warm-up`, undefined, () => {
      const s = kql();
      const d = TextDocument.create(`eventline:warm-up-${step[0]}`, 'kql', 1, step[1]);
      s.diagnostics(d);
      s.completion(d, step[1].length);
      s.closeDocument(d.uri);
    });
    // A pause, not setImmediate: the connection handles one queued message per check phase, and the user's
    // first requests (open, completion) should not wait behind the command grammar.
    setTimeout(next, WARM_UP_PAUSE_MS);
  };
  next();
}

connection.onNotification(SCHEMA_NOTIFICATION, (p: SchemaParams) => {
  const uris = guarded('schema', [] as string[], () => kql().setSchema(p.key, p.cluster, p.schema));
  for (const uri of uris) scheduleDiagnostics(uri, 0);
});

connection.onNotification(DOCUMENT_CONNECTION_NOTIFICATION, (p: DocumentConnectionParams) => {
  kql().setDocumentConnection(p.uri, p.key);
  scheduleDiagnostics(p.uri, 0);
});

documents.onDidChangeContent((e: { document: TextDocument }) => scheduleDiagnostics(e.document.uri));
documents.onDidClose((e: { document: TextDocument }) => {
  clearTimeout(pending.get(e.document.uri));
  pending.delete(e.document.uri);
  service?.closeDocument(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onCompletion((p) => {
  const doc = documents.get(p.textDocument.uri);
  if (!doc) return null;
  return guarded('completion', null, () => kql().completion(doc, doc.offsetAt(p.position)));
});

connection.onHover((p) => {
  const doc = documents.get(p.textDocument.uri);
  if (!doc) return null;
  return guarded('hover', null, () => kql().hover(doc, doc.offsetAt(p.position)));
});

connection.onSignatureHelp((p) => {
  const doc = documents.get(p.textDocument.uri);
  if (!doc) return null;
  return guarded('signature help', null, () => kql().signatureHelp(doc, doc.offsetAt(p.position)));
});

documents.listen(connection);
connection.listen();
