// The KQL language client: starts the language server (dist/languageServer.js, its own Node process) when the
// first KQL document or notebook cell opens, tells it which connection each document uses and sends each
// connection's schema in compact form. vscode-languageclient is imported lazily so activation stays short.
import * as vscode from 'vscode';
import type * as Lc from 'vscode-languageclient/lib/node/main';
import { Disposable } from '../common/disposable';
import { otherConnections } from '../core/kql/queryBlocks';
import type { KqlConnectionRef, KqlSchemaSource } from '../core/kql/schemaSource';
import {
  connectionKey, DOCUMENT_CONNECTION_NOTIFICATION, SCHEMA_NOTIFICATION, type DocumentConnectionParams, type SchemaParams,
} from './protocol';
import { compactSchema } from './schema';

const LANGUAGE_ID = 'kql';
// eventline-tile: a dashboard tile's query opened for editing (src/dashboards/tileQueries.ts).
const SCHEMES = ['file', 'untitled', 'vscode-notebook-cell', 'eventline-tile'];
/** The notebook service may fire onDidChange on many cell edits in a row; schemas are re-sent once they settle. */
const CHANGE_DEBOUNCE_MS = 250;
/** After typing in a .kql file: long enough that a database name half typed in a #connect is not fetched. */
const EDIT_DEBOUNCE_MS = 800;

function isKql(doc: vscode.TextDocument): boolean {
  return doc.languageId === LANGUAGE_ID && SCHEMES.includes(doc.uri.scheme);
}

export function registerKqlLanguage(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, schema: KqlSchemaSource): vscode.Disposable {
  return new KqlLanguageClient(context, log, schema);
}

class KqlLanguageClient extends Disposable {
  private client: Lc.LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;
  /** Connection key each open document was last told about. */
  private readonly docKeys = new Map<string, string | undefined>();
  /** Compact schema JSON last sent per connection key, so an unchanged schema is not sent again. */
  private readonly sentSchemas = new Map<string, string>();
  private readonly inFlight = new Map<string, AbortController>();
  private changeTimer: NodeJS.Timeout | undefined;
  /** Per .kql file, the other connections its `#connect` lines send queries to (their schemas are sent too). */
  private readonly otherKeys = new Map<string, Set<string>>();
  private readonly editTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel, private readonly schema: KqlSchemaSource) {
    super();
    this.register(vscode.workspace.onDidOpenTextDocument((doc) => this.onOpen(doc)));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => {
      const uri = doc.uri.toString();
      this.docKeys.delete(uri);
      this.otherKeys.delete(uri);
      clearTimeout(this.editTimers.get(uri));
      this.editTimers.delete(uri);
    }));
    // A #connect typed into a .kql file points its queries at another database: fetch that schema once typing rests.
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (!this.client || !isKql(e.document) || e.document.uri.scheme === 'vscode-notebook-cell') return;
      const uri = e.document.uri.toString();
      clearTimeout(this.editTimers.get(uri));
      this.editTimers.set(uri, setTimeout(() => {
        this.editTimers.delete(uri);
        const key = this.docKeys.get(uri);
        if (key === undefined) return;
        try {
          this.sendOthers(e.document, this.schema.connectionFor(uri), key, false);
        } catch (err) {
          this.log.warn(`KQL: ${err instanceof Error ? err.message : String(err)}`);
        }
      }, EDIT_DEBOUNCE_MS));
    }));
    this.register(schema.onDidChange(() => {
      clearTimeout(this.changeTimer);
      this.changeTimer = setTimeout(() => this.refreshAll(true), CHANGE_DEBOUNCE_MS);
    }));
    this.register({ dispose: () => this.stop() });
    const open = vscode.workspace.textDocuments.find(isKql);
    if (open) this.ensureStarted();
  }

  private onOpen(doc: vscode.TextDocument): void {
    if (!isKql(doc)) return;
    if (this.client) this.sendConnection(doc.uri.toString(), false);
    else this.ensureStarted();
  }

  private ensureStarted(): void {
    if (this.starting || this.stopped) return;
    this.starting = this.start().catch((e: unknown) => {
      this.log.error(`KQL language server did not start: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  private async start(): Promise<void> {
    const started = performance.now();
    // Required here, not imported at the top: the client library is only evaluated once a KQL document opens. Its
    // Node entry is reachable only through package `exports`, hence types by path and code by export name.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LanguageClient, TransportKind } = require('vscode-languageclient/node') as typeof Lc;
    const module = this.context.asAbsolutePath('dist/languageServer.js');
    const client = new LanguageClient('eventline.kql', 'Eventline KQL Language Server', {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc },
    }, {
      documentSelector: SCHEMES.map((scheme) => ({ scheme, language: LANGUAGE_ID })),
      outputChannel: this.log,
    });
    if (this.stopped) return;
    this.client = client;
    await client.start();
    this.log.info(`KQL language server started in ${(performance.now() - started).toFixed(0)} ms`);
    if (this.stopped) return;
    this.refreshAll(false);
  }

  /** Re-reads every open KQL document's connection; with `refetch`, also asks for every used schema again. */
  private refreshAll(refetch: boolean): void {
    if (!this.client) return;
    const uris = vscode.workspace.textDocuments.filter(isKql).map((d) => d.uri.toString());
    for (const uri of uris) this.sendConnection(uri, refetch);
    if (refetch) {
      // Schemas of connections no document uses any more are re-sent only when one comes back.
      const used = new Set([...this.docKeys.values(), ...[...this.otherKeys.values()].flatMap((keys) => [...keys])]);
      for (const key of [...this.sentSchemas.keys()]) if (!used.has(key)) this.sentSchemas.delete(key);
    }
  }

  private sendConnection(uri: string, refetch: boolean): void {
    const client = this.client;
    if (!client) return;
    let ref: KqlConnectionRef | undefined;
    try {
      ref = this.schema.connectionFor(uri);
    } catch (e) {
      this.log.warn(`KQL: no connection for ${uri}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const key = ref ? connectionKey(ref) : undefined;
    const known = this.docKeys.has(uri);
    if (!known || this.docKeys.get(uri) !== key) {
      this.docKeys.set(uri, key);
      const params: DocumentConnectionParams = { uri, key };
      void client.sendNotification(DOCUMENT_CONNECTION_NOTIFICATION, params).catch((e: unknown) => this.log.warn(`KQL: ${String(e)}`));
    }
    if (ref && key !== undefined && (refetch || !this.sentSchemas.has(key))) this.sendSchema(ref, key);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    // A notebook cell's own #connect is already in its connection; in a .kql file it holds for the queries below.
    if (doc && key !== undefined && doc.uri.scheme !== 'vscode-notebook-cell') this.sendOthers(doc, ref, key, refetch);
  }

  private sendOthers(doc: vscode.TextDocument, ref: KqlConnectionRef | undefined, key: string, refetch: boolean): void {
    const keys = new Set<string>();
    for (const other of otherConnections(doc.getText(), ref)) {
      const otherKey = connectionKey(other);
      if (otherKey === key) continue;
      keys.add(otherKey);
      if (refetch || !this.sentSchemas.has(otherKey)) this.sendSchema(other, otherKey);
    }
    this.otherKeys.set(doc.uri.toString(), keys);
  }

  private sendSchema(ref: KqlConnectionRef, key: string): void {
    if (this.inFlight.has(key)) return;
    const abort = new AbortController();
    this.inFlight.set(key, abort);
    const started = performance.now();
    void (async () => {
      let params: SchemaParams;
      try {
        const json = await this.schema.schemaJson(ref, abort.signal);
        const schema = compactSchema(json, ref.database);
        params = { key, cluster: ref.cluster, schema };
        if (!schema) this.log.warn(`KQL: no schema for database '${ref.database}' on ${ref.cluster}; names are not checked.`);
      } catch (e) {
        if (abort.signal.aborted) return;
        this.log.warn(`KQL: could not load the schema of '${ref.database}' on ${ref.cluster}: ${e instanceof Error ? e.message : String(e)}`);
        params = { key, cluster: ref.cluster, schema: undefined };
      } finally {
        this.inFlight.delete(key);
      }
      const text = JSON.stringify(params.schema ?? null);
      if (this.sentSchemas.get(key) === text || !this.client) return;
      this.sentSchemas.set(key, text);
      await this.client.sendNotification(SCHEMA_NOTIFICATION, params);
      const s = params.schema;
      if (s) this.log.info(`KQL: schema of '${ref.database}' (${s.tables.length} tables, ${s.functions.length} functions) sent in ${(performance.now() - started).toFixed(0)} ms`);
    })().catch((e: unknown) => this.log.warn(`KQL: ${String(e)}`));
  }

  private stop(): void {
    this.stopped = true;
    clearTimeout(this.changeTimer);
    for (const t of this.editTimers.values()) clearTimeout(t);
    for (const a of this.inFlight.values()) a.abort();
    this.inFlight.clear();
    const client = this.client;
    this.client = undefined;
    // dispose() stops the server (shutdown, exit, then kill after the timeout) and releases the client's features.
    if (client) void client.dispose(2000).catch((e: unknown) => this.log.warn(`KQL language server stop: ${String(e)}`));
  }
}
