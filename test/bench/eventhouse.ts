// Benchmark of the local Eventhouse (not a test): streaming-ingestion rate through azure-kusto-ingest, five typical
// queries through Kusto REST with azure-kusto-data divided by the same work as hand-written DuckDB SQL on a copy of
// the same data (opened in this process), and warm parse+translate time of a 10-line query.
// Usage: npm run bench:eventhouse        (BENCH_ROWS=1000000 for a smaller run, BENCH_RUNS for more timed runs, BENCH_WARM for more untimed ones;
// compiled by scripts/bench.js, not tsx)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import * as readline from 'node:readline';
import { Readable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { Client } from 'azure-kusto-data';
import { DataFormat, IngestionProperties, StreamingIngestClient } from 'azure-kusto-ingest';
import { startLocalPipeline, tempDataDir, type LocalPipeline } from '../local/pipeline';
import { globalStateFor } from '../../src/local/eventhouse/parser';
import { translateQuery } from '../../src/local/eventhouse/translate';
import { median, timePair } from './timing';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const BATCH = 250_000;
const SENSORS = 100;
const START = Date.UTC(2024, 0, 1);
const STEP_MS = 10; // one row every 10 ms across all sensors
const END = START + ROWS * STEP_MS;
const iso = (ms: number) => new Date(ms).toISOString();

function batch(from: number, n: number): Buffer {
  const parts: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const k = from + i;
    const unit = k % 3 === 0 ? 'C' : k % 3 === 1 ? 'F' : 'K';
    parts[i] = `{"Timestamp":"${iso(START + k * STEP_MS)}","Sensor":"s${k % SENSORS}","Value":${((k * 7919) % 10000) / 100},"Payload":{"unit":"${unit}","q":${k % 5}}}`;
  }
  return Buffer.from(parts.join('\n'));
}

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
// Untimed runs before each median. With one, the summarize's REST/SQL ratio was 1.01–1.38 over 20 runs; with five,
// 1.03–1.23 over nine. On this machine the first queries after a pause run slowly on both sides: in process, with
// 5 ms between runs, the summarize took 8–16 ms for its first 4 to 16 runs, then about 4.7 ms. A likely cause, not
// a proven one: the kernel here does no guest halt polling (haltpoll.guest_halt_poll_ns=0), so a core that went
// idle is slow to wake, and DuckDB hands each query between threads.
const WARM = Number(process.env.BENCH_WARM ?? 5);


/** Median of warm runs of a alone. */
async function medianTime(a: () => Promise<unknown>, runs = RUNS): Promise<number> {
  for (let i = 0; i < WARM; i++) await a();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await a();
    t.push(performance.now() - start);
  }
  return median(t);
}

/**
 * A server in its own process that answers every POST with the body last PUT to it: azure-kusto-data's own cost
 * for a result (HTTP on loopback, JSON parse, its row objects), with no Eventhouse behind it, which is the part of
 * the REST time no server can save.
 */
async function startCannedServer(): Promise<{ uri: string; stop(): void }> {
  const script = `let body = Buffer.alloc(0);
require('node:http').createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'PUT') { body = Buffer.concat(chunks); res.end(); return; }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body);
  });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout }).once('line', resolve));
  return { uri: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const dataDir = tempDataDir('eventline-bench-');
  let p: LocalPipeline | undefined = await startLocalPipeline({ dataDir });
  // Stopped in the finally below too: a failed query must not leave the stub server running.
  let canned: { uri: string; stop(): void } | undefined;
  const db = 'NetDefaultDB';
  try {
    let client = new Client(p.ready.eventhouse.uri);
    await client.executeMgmt(db, '.create table Events (Timestamp:datetime, Sensor:string, Value:real, Payload:dynamic)');
    const ingest = new StreamingIngestClient(p.ready.eventhouse.uri);
    const props = new IngestionProperties({ database: db, table: 'Events', format: DataFormat.JSON });
    console.log(`ingesting ${ROWS.toLocaleString('en-US')} rows in batches of ${BATCH.toLocaleString('en-US')} through StreamingIngestClient...`);
    // Timed: the ingest calls only (client gzip + HTTP + server parse/insert), not this script's JSON generation,
    // which on a 2-core machine would otherwise be counted against the Eventhouse.
    let ingestMs = 0;
    for (let from = 0; from < ROWS; from += BATCH) {
      const body = batch(from, Math.min(BATCH, ROWS - from));
      const t = performance.now();
      await ingest.ingestFromStream(Readable.from([body]), props);
      ingestMs += performance.now() - t;
    }
    ingest.close();
    const count = (await client.execute(db, 'Events | count')).primaryResults[0].toJSON<{ Count: number }>().data[0].Count;
    if (count !== ROWS) throw new Error(`expected ${ROWS} rows, found ${count}`);

    // A copy of the same data for the hand-written SQL: stop (CHECKPOINT), copy the file, start again.
    client.close();
    await p.stop();
    const copy = path.join(dataDir, 'copy.duckdb');
    fs.copyFileSync(path.join(dataDir, 'eventhouse', 'eventhouse.duckdb'), copy);
    p = await startLocalPipeline({ dataDir });
    client = new Client(p.ready.eventhouse.uri);
    const inst = await DuckDBInstance.create(copy, { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const conn = await inst.connect();
    await conn.run("SET TimeZone='UTC'");
    const ev = '"NetDefaultDB"."Events"';
    const lastHour = iso(END - 3_600_000);
    const dayStart = iso(START);
    const dayEnd = iso(Math.min(END, START + 86_400_000));
    const queries: { name: string; kql: string; sql: string }[] = [
      {
        name: 'filter + count',
        kql: 'Events | where Value > 90 and Sensor == "s42" | count',
        sql: `SELECT count(*) AS "Count" FROM ${ev} WHERE Value > 90 AND Sensor = 's42'`,
      },
      {
        name: 'summarize avg by bin(1m), sensor (last hour)',
        kql: `Events | where Timestamp >= datetime(${lastHour}) | summarize avg(Value) by bin(Timestamp, 1m), Sensor`,
        sql: `SELECT time_bucket(INTERVAL 1 minute, Timestamp) AS "Timestamp", Sensor, avg(Value) AS avg_Value FROM ${ev} WHERE Timestamp >= TIMESTAMP '${lastHour.replace('T', ' ').replace('Z', '')}' GROUP BY ALL`,
      },
      {
        name: 'top 10 by Value',
        kql: 'Events | top 10 by Value',
        sql: `SELECT "Timestamp", Sensor, Value, Payload FROM ${ev} ORDER BY Value DESC NULLS LAST LIMIT 10`,
      },
      {
        name: 'make-series avg 1h by sensor (2 sensors, 1 day)',
        kql: `Events | where Sensor in ("s1", "s2") | make-series avg(Value) default=0 on Timestamp from datetime(${dayStart}) to datetime(${dayEnd}) step 1h by Sensor`,
        sql: `WITH g AS (SELECT Sensor, time_bucket(INTERVAL 1 hour, Timestamp) AS t, avg(Value) AS a FROM ${ev}
                     WHERE Sensor IN ('s1', 's2') AND Timestamp >= TIMESTAMP '${dayStart.replace('T', ' ').replace('Z', '')}' AND Timestamp < TIMESTAMP '${dayEnd.replace('T', ' ').replace('Z', '')}' GROUP BY ALL),
                   b AS (SELECT unnest(generate_series(TIMESTAMP '${dayStart.replace('T', ' ').replace('Z', '')}', TIMESTAMP '${dayEnd.replace('T', ' ').replace('Z', '')}' - INTERVAL 1 hour, INTERVAL 1 hour)) AS t),
                   k AS (SELECT DISTINCT Sensor FROM g)
              SELECT k.Sensor, list(coalesce(g.a, 0) ORDER BY b.t) AS avg_Value, list(b.t ORDER BY b.t) AS "Timestamp"
              FROM k CROSS JOIN b LEFT JOIN g ON g.Sensor = k.Sensor AND g.t = b.t GROUP BY k.Sensor`,
      },
      {
        name: 'dynamic-property filter + count',
        kql: 'Events | where Payload.unit == "C" | count',
        sql: `SELECT count(*) AS "Count" FROM ${ev} WHERE Payload->>'$.unit' = 'C'`,
      },
    ];
    // Generating and sending 10 M rows left a few hundred MB of this script's own garbage on its heap; with it there,
    // every azure-kusto-data reply (which allocates far more than the SQL side's rows) took about 2 ms longer in
    // garbage collection. Collect it once, so the queries are timed on a heap like a client's, not the generator's.
    (globalThis as { gc?: () => void }).gc?.();
    canned = await startCannedServer();
    const cannedClient = new Client(canned.uri);
    const results: { name: string; rest: number; sql: number; clientOnly: number; server: number; rows: number }[] = [];
    for (const q of queries) {
      let rows = 0;
      let cols = 0;
      let sqlShape = '';
      const serverMs: number[] = [];
      const [rest, sql] = await timePair(
        async () => {
          const reply = await client.execute(db, q.kql);
          const t = reply.primaryResults[0];
          rows = t._rows.length;
          cols = t.columns.length;
          // The server's own time for this request (QueryCompletionInformation's ExecutionTime), read after the fact.
          const info = reply.tables.find((x) => x.kind === 'QueryCompletionInformation');
          for (const r of info?._rows ?? []) {
            const payload = (r as unknown[])[11];
            if (typeof payload === 'string' && payload.includes('ExecutionTime')) serverMs.push((JSON.parse(payload) as { ExecutionTime: number }).ExecutionTime * 1000);
          }
        },
        // The SQL side also brings its rows into JS, as any caller would.
        async () => {
          const r = await conn.runAndReadAll(q.sql);
          sqlShape = `${r.getRows().length}x${r.columnCount}`;
        },
        RUNS, WARM,
      );
      // A fair baseline does the same work: the same rows and columns.
      if (sqlShape !== `${rows}x${cols}`) throw new Error(`${q.name}: REST returned ${rows}x${cols}, the hand-written SQL ${sqlShape}`);
      // The client alone, on this query's own reply served from memory.
      const reply = await fetch(`${p.ready.eventhouse.uri}/v2/rest/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db, csl: q.kql }) });
      if (reply.status !== 200) throw new Error(`${q.name}: ${reply.status} ${await reply.text()}`);
      await fetch(canned.uri, { method: 'PUT', body: Buffer.from(await reply.arrayBuffer()) });
      const clientOnly = await medianTime(async () => {
        const n = (await cannedClient.execute(db, q.kql)).primaryResults[0]._rows.length;
        if (n !== rows) throw new Error(`${q.name}: the canned reply has ${n} rows, not ${rows}`);
      });
      results.push({ name: q.name, rest, sql, clientOnly, server: median(serverMs.slice(-RUNS)), rows });
    }
    cannedClient.close();
    conn.closeSync();
    inst.closeSync();

    // Warm parse + analyze + translate of a 10-line query, in this process.
    const globals = globalStateFor([{ name: db, tables: [{ name: 'Events', columns: [{ name: 'Timestamp', type: 'datetime' }, { name: 'Sensor', type: 'string' }, { name: 'Value', type: 'real' }, { name: 'Payload', type: 'dynamic' }] }], functions: [] }], db);
    const tenLines = [
      'let window = 1h;',
      'let hot = 90.0;',
      'Events',
      '| where Timestamp > ago(window)',
      '| where Sensor startswith "s1" and Value between (10.0 .. 1000.0)',
      '| extend Unit = tostring(Payload.unit), Hot = Value > hot',
      '| summarize avg(Value), Hots = countif(Hot), n = count() by bin(Timestamp, 1m), Sensor, Unit',
      '| where n > 1',
      '| order by Timestamp desc, Sensor asc',
      '| take 1000',
    ].join('\n');
    const opts = { tableSql: (n: string) => `"${db}"."${n}"` };
    for (let i = 0; i < 20; i++) translateQuery(tenLines, globals, opts);
    const tt: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      translateQuery(tenLines, globals, opts);
      tt.push(performance.now() - t);
    }
    tt.sort((a, b) => a - b);

    const f = (n: number) => n.toFixed(1).padStart(9);
    console.log('');
    console.log(`local Eventhouse benchmark — ${ROWS.toLocaleString('en-US')} rows (timestamp, ${SENSORS} sensors, value, JSON payload); medians of ${RUNS} runs after ${WARM} untimed, REST and SQL in turns`);
    console.log(`streaming ingestion (azure-kusto-ingest, json, gzip, ${BATCH.toLocaleString('en-US')}-row requests): ${Math.round(ROWS / (ingestMs / 1000)).toLocaleString('en-US')} rows/s (${(ingestMs / 1000).toFixed(1)} s)`);
    console.log('');
    console.log(`${'query'.padEnd(50)} ${'REST ms'.padStart(9)} ${'SQL ms'.padStart(9)} ${'ratio'.padStart(7)} ${'rows'.padStart(7)} ${'client ms'.padStart(10)} ${'server ms'.padStart(10)}`);
    for (const r of results) console.log(`${r.name.padEnd(50)} ${f(r.rest)} ${f(r.sql)} ${(r.rest / r.sql).toFixed(2).padStart(7)} ${String(r.rows).padStart(7)} ${r.clientOnly.toFixed(1).padStart(10)} ${r.server.toFixed(1).padStart(10)}`);
    console.log('client ms: of REST ms, what azure-kusto-data alone takes for the same reply, from a server (its own process) that only replays it.');
    console.log('server ms: of REST ms, the server\'s own time per request (translation, DuckDB, row JSON), median of the timed runs; the rest is HTTP and the two processes waiting on each other.');
    console.log('');
    console.log(`parse + analyze + translate, 10-line query, warm: median ${tt[50].toFixed(1)} ms, p90 ${tt[90].toFixed(1)} ms`);
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} (${os.cpus().length} cores)`);
    client.close();
  } finally {
    canned?.stop();
    await p?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
