// The local Eventhouse: Kusto REST (v1/v2 query, mgmt, streaming ingest) over DuckDB, on 127.0.0.1 only.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as zlib from 'node:zlib';
import { ConfigError, loadLocalConfig } from '../config';
import type { LocalReady } from '../../protocol/localReady';
import type { ServiceContext, StartedService } from '../service';
import { DEFAULT_DB, Engine, MAX_RECORDS } from './engine';
import type { ResultTable } from './meta';
import { runCommand } from './mgmt';
import { KustoUserError, V1_DATA_TYPE } from './types';

const MAX_BODY = 512 * 1024 * 1024;

interface KustoRequestBody { db?: string; csl?: string; properties?: { Options?: Record<string, unknown>; Parameters?: Record<string, unknown> } | string }

/** The database eventline.json names under `eventhouse.database`, which the local Eventhouse then provides. */
function configuredDatabase(ctx: ServiceContext): string | undefined {
  if (!ctx.configPath) return undefined;
  const eventhouse = loadLocalConfig(ctx.configPath).raw.eventhouse as { database?: unknown } | undefined;
  const db = eventhouse?.database;
  if (db === undefined) return undefined;
  if (typeof db !== 'string' || !/^[A-Za-z0-9_\-. ]+$/.test(db)) {
    throw new ConfigError(`${ctx.configPath}: eventhouse.database must be a database name (letters, digits, '_', '-', '.' or spaces), not ${JSON.stringify(db)}.`);
  }
  return db;
}

export async function startEventhouse(ctx: ServiceContext): Promise<StartedService<LocalReady['eventhouse']> & { engine: Engine }> {
  const database = configuredDatabase(ctx) ?? DEFAULT_DB;
  const engine = await Engine.open(path.join(ctx.dataDir, 'eventhouse'));
  if (database !== DEFAULT_DB) {
    try {
      await engine.write(() => engine.createDatabase(database, true));
    } catch (e) {
      await engine.close();
      throw e;
    }
  }
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => { void handle(engine, req, res, (m) => ctx.log(m)); });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  // Kusto clients keep connections alive across long pauses; with Node's 5 s default an idle pooled socket can be
  // closed just as the client reuses it ("socket hang up"). Long queries must not time out either.
  server.keepAliveTimeout = 10 * 60_000;
  server.headersTimeout = 10 * 60_000 + 1000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ctx.options.kustoPort, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  ctx.log(`eventhouse: Kusto REST on http://127.0.0.1:${port}, data in ${path.join(ctx.dataDir, 'eventhouse')}`);
  return {
    ready: { uri: `http://127.0.0.1:${port}`, database },
    // The hub connector ingests in this process, through the engine (src/local/connector).
    engine,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await engine.close();
    },
  };
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new KustoUserError('BadRequest', 'Request body is larger than 512 MiB.');
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const enc = String(req.headers['content-encoding'] ?? '').toLowerCase();
  if (enc === 'gzip') return zlib.gunzipSync(raw);
  if (enc === 'deflate') return zlib.inflateSync(raw);
  // The ingest client gzips without always saying so on every platform; sniff the magic bytes.
  if (raw.length > 2 && raw[0] === 0x1f && raw[1] === 0x8b) return zlib.gunzipSync(raw);
  return raw;
}

function send(res: http.ServerResponse, status: number, body: unknown, requestId: string): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text),
    'x-ms-client-request-id': requestId, 'x-ms-activity-id': randomUUID(),
  });
  res.end(text);
}

function sendParts(res: http.ServerResponse, status: number, parts: Buffer[], requestId: string): void {
  if (res.writableEnded || res.destroyed) return;
  // One buffer, one write: separate small writes can go out as separate packets.
  const body = Buffer.concat(parts);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8', 'content-length': body.length,
    'x-ms-client-request-id': requestId, 'x-ms-activity-id': randomUUID(),
  });
  res.end(body);
}

function errorBody(e: unknown, requestId: string): { status: number; body: unknown } {
  const activityId = randomUUID();
  if (e instanceof KustoUserError) {
    const types: Record<string, string> = {
      Syntax: 'Kusto.Data.Exceptions.SyntaxException', Semantic: 'Kusto.Data.Exceptions.SemanticException',
      Unsupported: 'Kusto.Data.Exceptions.KustoBadRequestException', BadRequest: 'Kusto.Data.Exceptions.KustoBadRequestException',
      NotFound: 'Kusto.Data.Exceptions.EntityNotFoundException', LimitsExceeded: 'Kusto.Data.Exceptions.KustoServicePartialQueryFailureLimitsExceededException',
      Cancelled: 'Kusto.Data.Exceptions.KustoRequestCanceledException',
    };
    const code = e.kind === 'NotFound' ? 'General_BadRequest' : e.kind === 'Cancelled' ? 'Cancelled' : 'General_BadRequest';
    return {
      status: 400,
      body: {
        error: {
          code, message: e.kind === 'Cancelled' ? 'Request was cancelled.' : 'Request is invalid and cannot be executed.',
          '@type': types[e.kind], '@message': e.message,
          '@context': { timestamp: new Date().toISOString(), clientRequestId: requestId, activityId },
          '@permanent': true,
          ...(e.position ? { '@line': e.position.line, '@column': e.position.column } : {}),
        },
      },
    };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return { status: 500, body: { error: { code: 'Internal_Error', message: 'Internal error in the local Eventhouse.', '@type': 'Kusto.Data.Exceptions.KustoServiceException', '@message': msg, '@context': { timestamp: new Date().toISOString(), clientRequestId: requestId, activityId }, '@permanent': false } } };
}

function v1Table(t: ResultTable, name = 'Table_0'): Record<string, unknown> {
  return {
    TableName: name,
    Columns: t.columns.map((c) => ({ ColumnName: c.name, DataType: V1_DATA_TYPE[c.type], ColumnType: c.type })),
    // v1 carries dynamic values as JSON strings.
    Rows: t.rows.map((r) => r.map((v, i) => (t.columns[i].type === 'dynamic' && v !== null && typeof v !== 'string' ? JSON.stringify(v) : v))),
  };
}

function options(body: KustoRequestBody): Record<string, unknown> {
  let p = body.properties;
  if (typeof p === 'string') { try { p = JSON.parse(p) as KustoRequestBody['properties']; } catch { p = undefined; } }
  return (p && typeof p === 'object' && p.Options) || {};
}

async function handle(engine: Engine, req: http.IncomingMessage, res: http.ServerResponse, log: (m: string) => void): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const requestId = String(req.headers['x-ms-client-request-id'] ?? `eventline;${randomUUID()}`);
  const abort = new AbortController();
  // A client that goes away mid-query stops its DuckDB work.
  res.on('close', () => { if (!res.writableFinished) abort.abort(); });
  try {
    const auth = req.headers.authorization;
    if (auth !== undefined && !/^Bearer\s+\S+/i.test(auth)) throw new KustoUserError('BadRequest', 'Authorization must be absent or "Bearer <token>" (the local Eventhouse accepts any token).');
    if (req.method === 'GET' && url.pathname === '/v1/rest/auth/metadata') {
      // 404 makes azure-kusto-data use its public-cloud defaults, as against the Kusto emulator.
      return send(res, 404, { error: { code: 'NotFound', message: 'No cloud metadata on the local Eventhouse.' } }, requestId);
    }
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/v1/rest/ping')) return send(res, 200, { service: 'eventline-local eventhouse' }, requestId);
    if (req.method !== 'POST') return send(res, 404, { error: { code: 'NotFound', message: `No endpoint ${req.method} ${url.pathname}.` } }, requestId);

    const ingest = /^\/v1\/rest\/ingest\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (ingest) {
      const data = await readBody(req);
      const db = decodeURIComponent(ingest[1]);
      const tableName = decodeURIComponent(ingest[2]);
      const format = url.searchParams.get('streamFormat') ?? 'json';
      const mapping = url.searchParams.get('mappingName') ?? undefined;
      if (url.searchParams.get('sourceKind') === 'uri') throw new KustoUserError('Unsupported', 'Streaming ingestion from a blob URI is not supported by the local Eventhouse; send the data itself.');
      const n = await engine.ingest(db, tableName, data, format, mapping, { streaming: true });
      log(`eventhouse: ingested ${n} rows into ${db}.${tableName}`);
      return send(res, 200, { Tables: [{ TableName: 'Table_0', Columns: [{ ColumnName: 'ConsumedRecordsCount', DataType: 'Int64', ColumnType: 'long' }, { ColumnName: 'UpdatePolicyStatus', DataType: 'String', ColumnType: 'string' }, { ColumnName: 'UpdatePolicyFailureCode', DataType: 'String', ColumnType: 'string' }, { ColumnName: 'UpdatePolicyFailureReason', DataType: 'String', ColumnType: 'string' }], Rows: [[n, 'Inactive', 'Unknown', '']] }] }, requestId);
    }

    const raw = await readBody(req);
    let body: KustoRequestBody;
    try { body = JSON.parse(raw.toString('utf8')) as KustoRequestBody; } catch { throw new KustoUserError('BadRequest', 'The request body must be JSON {"db": "...", "csl": "..."}.'); }
    const csl = String(body.csl ?? '');
    const db = body.db || DEFAULT_DB;
    const opts = options(body);
    const notruncation = opts.notruncation === true || opts.notruncation === 'true';
    const maxRecords = opts.truncationmaxrecords !== undefined ? Number(opts.truncationmaxrecords) : undefined;
    // Local only: answer without any cache (translation, plan, connection), as the reference the caches must match.
    const noCache = opts.eventline_nocache === true || opts.eventline_nocache === 'true';
    const isCommand = csl.trim().startsWith('.');
    const activity = engine.activity.start({
      kind: isCommand ? 'Command' : 'Query', commandType: isCommand ? /^\.[\w-]+(\s+[\w-]+)?/.exec(csl.trim())?.[0] ?? '' : 'Query',
      clientActivityId: requestId, text: csl, database: db, user: String(req.headers['x-ms-user'] ?? ''), application: String(req.headers['x-ms-app'] ?? ''),
      properties: typeof body.properties === 'object' ? body.properties : null,
    });
    try {
      await answer(engine, url, res, requestId, { csl, db, notruncation, maxRecords, noCache, signal: abort.signal });
      engine.activity.finish(activity);
    } catch (e) {
      engine.activity.finish(activity, { cancelled: e instanceof KustoUserError && e.kind === 'Cancelled', message: e instanceof Error ? e.message : String(e) });
      throw e;
    }
  } catch (e) {
    if (!(e instanceof KustoUserError)) log(`eventhouse: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    const { status, body } = errorBody(e, requestId);
    send(res, status, body, requestId);
  }
}

interface Request { csl: string; db: string; notruncation: boolean; maxRecords: number | undefined; noCache: boolean; signal: AbortSignal }

/** A query or command request's answer, by endpoint. */
async function answer(engine: Engine, url: URL, res: http.ServerResponse, requestId: string, request: Request): Promise<void> {
  const { csl, db, notruncation, maxRecords, noCache, signal } = request;
  if (url.pathname === '/v1/rest/mgmt') {
    if (!csl.trim().startsWith('.')) {
      const r = await engine.query(db, csl, { requestId, notruncation: true, signal, noCache });
      return send(res, 200, { Tables: [v1Table(r.table)] }, requestId);
    }
    const t = await runCommand(engine, db, csl);
    return send(res, 200, { Tables: [v1Table(t)] }, requestId);
  }
  if (url.pathname === '/v1/rest/query') {
    if (csl.trim().startsWith('.')) throw new KustoUserError('BadRequest', 'Management commands go to /v1/rest/mgmt.');
    const started = Date.now();
    const r = await engine.query(db, csl, { requestId, notruncation, maxRecords, signal, noCache });
    if (r.truncated) throw truncationError(r.truncated.limit);
    const vis = JSON.stringify(r.visualization ?? nullVisualization());
    const status = { TableName: 'Table_2', Columns: [{ ColumnName: 'Timestamp', DataType: 'DateTime', ColumnType: 'datetime' }, { ColumnName: 'Severity', DataType: 'Int32', ColumnType: 'int' }, { ColumnName: 'SeverityName', DataType: 'String', ColumnType: 'string' }, { ColumnName: 'StatusCode', DataType: 'Int32', ColumnType: 'int' }, { ColumnName: 'StatusDescription', DataType: 'String', ColumnType: 'string' }, { ColumnName: 'Count', DataType: 'Int32', ColumnType: 'int' }, { ColumnName: 'RequestId', DataType: 'Guid', ColumnType: 'guid' }, { ColumnName: 'ActivityId', DataType: 'Guid', ColumnType: 'guid' }, { ColumnName: 'SubActivityId', DataType: 'Guid', ColumnType: 'guid' }, { ColumnName: 'ClientActivityId', DataType: 'String', ColumnType: 'string' }], Rows: [[new Date().toISOString(), 4, 'Info', 0, `Query completed successfully in ${Date.now() - started} ms`, 1, randomUUID(), randomUUID(), randomUUID(), requestId]] };
    const props = { TableName: 'Table_1', Columns: [{ ColumnName: 'Value', DataType: 'String', ColumnType: 'string' }], Rows: [[vis]] };
    const toc = { TableName: 'Table_3', Columns: [{ ColumnName: 'Ordinal', DataType: 'Int64', ColumnType: 'long' }, { ColumnName: 'Kind', DataType: 'String', ColumnType: 'string' }, { ColumnName: 'Name', DataType: 'String', ColumnType: 'string' }, { ColumnName: 'Id', DataType: 'String', ColumnType: 'string' }, { ColumnName: 'PrettyName', DataType: 'String', ColumnType: 'string' }], Rows: [[0, 'QueryResult', 'PrimaryResult', randomUUID(), ''], [1, 'QueryProperties', '@ExtendedProperties', randomUUID(), ''], [2, 'QueryStatus', 'QueryStatus', randomUUID(), '']] };
    return send(res, 200, { Tables: [v1Table(r.table), props, status, toc] }, requestId);
  }
  if (url.pathname === '/v2/rest/query') {
    if (csl.trim().startsWith('.')) throw new KustoUserError('BadRequest', 'Management commands go to /v1/rest/mgmt.');
    // To the microsecond: ExecutionTime lets a client (bench:eventhouse) split its wait into server and the rest.
    const started = performance.now();
    const r = await engine.queryWire(db, csl, { requestId, notruncation, maxRecords, signal, noCache });
    // The rows arrive as JSON bytes; the frames around them are stringified with a one-off marker in their place.
    const marker = `rows:${randomUUID()}`;
    const frames: unknown[] = [
      { FrameType: 'DataSetHeader', IsProgressive: false, Version: 'v2.0', IsFragmented: false, ErrorReportingPlacement: 'EndOfTable' },
      { FrameType: 'DataTable', TableId: 0, TableKind: 'QueryProperties', TableName: '@ExtendedProperties', Columns: [{ ColumnName: 'TableId', ColumnType: 'int' }, { ColumnName: 'Key', ColumnType: 'string' }, { ColumnName: 'Value', ColumnType: 'dynamic' }], Rows: [[1, 'Visualization', JSON.stringify(r.visualization ?? nullVisualization())]] },
      { FrameType: 'DataTable', TableId: 1, TableKind: 'PrimaryResult', TableName: 'PrimaryResult', Columns: r.columns.map((c) => ({ ColumnName: c.name, ColumnType: c.type })), Rows: marker },
      completionInfo(requestId, performance.now() - started, r.rowCount),
    ];
    if (r.truncated) {
      const err = truncationError(r.truncated.limit);
      frames.push({ FrameType: 'DataSetCompletion', HasErrors: true, Cancelled: false, OneApiErrors: [errorBody(err, requestId).body] });
    } else frames.push({ FrameType: 'DataSetCompletion', HasErrors: false, Cancelled: false });
    const [head, tail] = JSON.stringify(frames).split(`"${marker}"`);
    return sendParts(res, 200, [Buffer.from(head), r.rows, Buffer.from(tail)], requestId);
  }
  return send(res, 404, { error: { code: 'NotFound', message: `No endpoint POST ${url.pathname}.` } }, requestId);
}

function truncationError(limit: number): KustoUserError {
  return new KustoUserError('LimitsExceeded', `Query result set has exceeded the internal ${limit === MAX_RECORDS ? `record count limit ${MAX_RECORDS}` : `limit (${limit} records or 64 MB)`} (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits). Use 'set notruncation;' or summarize the results.`);
}

function nullVisualization(): Record<string, unknown> {
  return {
    Visualization: null, Title: null, XColumn: null, Series: null, YColumns: null, AnomalyColumns: null, XTitle: null, YTitle: null, XAxis: null, YAxis: null,
    Legend: null, YSplit: null, Accumulate: false, IsQuerySorted: false, Kind: null, Ymin: 'NaN', Ymax: 'NaN', Xmin: null, Xmax: null,
  };
}

function completionInfo(requestId: string, ms: number, rows: number): unknown {
  const now = new Date().toISOString().replace('Z', '0000Z');
  const activity = randomUUID();
  return {
    FrameType: 'DataTable', TableId: 2, TableKind: 'QueryCompletionInformation', TableName: 'QueryCompletionInformation',
    Columns: [
      { ColumnName: 'Timestamp', ColumnType: 'datetime' }, { ColumnName: 'ClientRequestId', ColumnType: 'string' }, { ColumnName: 'ActivityId', ColumnType: 'guid' },
      { ColumnName: 'SubActivityId', ColumnType: 'guid' }, { ColumnName: 'ParentActivityId', ColumnType: 'guid' }, { ColumnName: 'Level', ColumnType: 'int' },
      { ColumnName: 'LevelName', ColumnType: 'string' }, { ColumnName: 'StatusCode', ColumnType: 'int' }, { ColumnName: 'StatusCodeName', ColumnType: 'string' },
      { ColumnName: 'EventType', ColumnType: 'int' }, { ColumnName: 'EventTypeName', ColumnType: 'string' }, { ColumnName: 'Payload', ColumnType: 'string' },
    ],
    Rows: [
      [now, requestId, activity, activity, activity, 4, 'Info', 0, 'S_OK (0)', 4, 'QueryInfo', JSON.stringify({ Count: 1, Text: 'Query completed successfully' })],
      [now, requestId, activity, activity, activity, 6, 'Stats', 0, 'S_OK (0)', 0, 'QueryResourceConsumption', JSON.stringify({ ExecutionTime: ms / 1000, resource_usage: {}, dataset_statistics: [{ table_row_count: rows, table_size: 0 }] })],
    ],
  };
}
