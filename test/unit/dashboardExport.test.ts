import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseDashboard, type Dashboard } from '../../src/core/dashboards/format';
import { mText, powerQueryFile, powerQueryFormula, queryDeepLink, standaloneQuery } from '../../src/core/dashboards/powerQuery';
import { dashboardDefinition, realTimeDashboard, RTD_PART, stableId } from '../../src/core/fabric/dashboard';
import { decodeJsonPart } from '../../src/core/fabric/definition';
import { dashboardHtml } from '../../src/dashboards/html';

function sample(): Dashboard {
  const r = parseDashboard(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'dashboards', 'sample.kqldash'), 'utf8'));
  assert.ok(r.ok);
  return r.dashboard;
}

const target = { workspaceId: 'ws-1', kqlDatabaseItemId: 'kqldb-1', databaseName: 'TelemetryDB', queryServiceUri: 'https://trd-x.z1.kusto.fabric.microsoft.com' };

describe('Real-Time Dashboard mapping', () => {
  it('maps data sources, pages, tiles (queryRef to a query), parameters and auto-refresh', () => {
    const d = sample();
    const { json, notes } = realTimeDashboard(d, target);
    assert.equal(json.schema_version, '52');
    assert.equal(json.title, 'Sample events');
    assert.deepEqual(json.autoRefresh, { enabled: true, defaultInterval: '30s', minInterval: '30s' });
    assert.equal(json.dataSources.length, 1);
    assert.deepEqual({ ...json.dataSources[0], id: undefined }, { id: undefined, name: 'TelemetryDB', kind: 'kusto-trident', scopeId: 'kusto-trident', clusterUri: target.queryServiceUri, database: 'kqldb-1', workspace: 'ws-1' });
    assert.deepEqual(json.pages.map((p) => p.name), ['Overview']);
    assert.deepEqual(json.tiles.map((t) => [t.title, t.visualType, t.layout.x, t.layout.y, t.layout.width, t.layout.height]), [
      ['Events per 10 minutes', 'timechart', 0, 0, 16, 8], ['Events', 'stat', 16, 0, 8, 4], ['By source', 'pie', 16, 4, 8, 4], ['Top keys', 'table', 0, 8, 24, 6],
    ]);
    for (const t of json.tiles) {
      assert.equal(t.pageId, json.pages[0].id);
      const q = json.queries.find((x) => x.id === t.queryRef.queryId);
      assert.ok(q, `tile ${t.title} has its query`);
      assert.equal(q.dataSource.dataSourceId, json.dataSources[0].id);
    }
    const perMinute = json.queries.find((q) => q.id === json.tiles[0].queryRef.queryId)!;
    assert.equal(perMinute.text, d.pages[0].tiles[0].query);
    assert.deepEqual(perMinute.usedVariables, ['_startTime', '_endTime', '_source']);
    const [time, source] = json.parameters;
    assert.deepEqual(time, { kind: 'duration', id: time.id, displayName: 'Time range', description: '', beginVariableName: '_startTime', endVariableName: '_endTime', defaultValue: { kind: 'dynamic', count: 24, unit: 'hours' }, showOnPages: { kind: 'all' } });
    assert.equal(source.variableName, '_source');
    assert.equal(source.selectionType, 'array');
    const ds = source.dataSource as { kind: string; queryRef: { queryId: string } };
    assert.equal(ds.kind, 'query');
    assert.equal(json.queries.find((q) => q.id === ds.queryRef.queryId)?.text, 'SampleEvents | distinct Source | order by Source asc');
    assert.ok(notes.some((n) => /"local" data source query KQL database "TelemetryDB"/.test(n)));
    assert.ok(notes.some((n) => /select parameter is not confirmed/.test(n)));
  });

  it('ids are stable across deploys and distinct per element; the definition is one base64 JSON part', () => {
    const a = realTimeDashboard(sample(), target).json;
    const b = realTimeDashboard(sample(), target).json;
    assert.deepEqual(a, b);
    const ids = [...a.tiles.map((t) => t.id), ...a.queries.map((q) => q.id), ...a.pages.map((p) => p.id), a.dataSources[0].id];
    assert.equal(new Set(ids).size, ids.length);
    assert.match(stableId('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const def = dashboardDefinition(a);
    assert.equal(def.parts.length, 1);
    assert.equal(def.parts[0].path, RTD_PART);
    assert.deepEqual(decodeJsonPart(def.parts[0]), a);
  });

  it('unconfirmed visuals and auto-refresh off are handled and noted', () => {
    const d = sample();
    d.autoRefresh = 'off';
    d.pages[0].tiles[0].visual = 'scatterchart';
    const { json, notes } = realTimeDashboard(d, target);
    assert.deepEqual(json.autoRefresh, { enabled: false });
    assert.equal(json.tiles[0].visualType, 'scatter');
    assert.ok(notes.some((n) => /spelling of scatterchart/.test(n)));
  });
});

describe('Power Query (M) and the query deep link', () => {
  it('mText doubles quotes and escapes #( and control characters', () => {
    assert.equal(mText('a "b"'), '"a ""b"""');
    assert.equal(mText('x #(lf) y'), '"x #(#)(lf) y"');
    assert.equal(mText('l1\nl2\r\nl3\tt'), '"l1#(lf)l2#(cr,lf)l3#(tab)t"');
  });

  it('the formula is AzureDataExplorer.Contents(cluster, database, query, options) and the file carries the two steps', () => {
    const src = { cluster: 'https://trd-x.z1.kusto.fabric.microsoft.com', database: 'Telemetry"DB', query: 'T\n| where A == "x"', title: 'Events' };
    assert.equal(powerQueryFormula(src), 'let\n    Source = AzureDataExplorer.Contents("https://trd-x.z1.kusto.fabric.microsoft.com", "Telemetry""DB", "T#(lf)| where A == ""x""", [MaxRows = null, MaxSize = null, NoTruncate = null, AdditionalSetStatements = null])\nin\n    Source');
    const file = powerQueryFile({ ...src, notes: ['local'] });
    assert.match(file, /^\/\/ Events: Azure Data Explorer \(Kusto\) connector, DirectQuery/);
    assert.match(file, /\/\/ 1\. In Power BI Desktop: Home → Get data → Blank query/);
    assert.match(file, /\/\/ 2\. .*DirectQuery/);
    assert.match(file, /\/\/ Note: local/);
  });

  it('a standalone query declares the parameters it uses with defaults and a moving time window', () => {
    const d = sample();
    assert.equal(standaloneQuery(d.pages[0].tiles[0].query, d).split('\n').slice(0, 3).join('\n'), 'let _startTime = ago(1440m);\nlet _endTime = now();\nlet _source = dynamic([]);');
    assert.equal(standaloneQuery('T | take 1', d), 'T | take 1');
  });

  it('the deep link is cluster/database?query=base64(gzip(text))', () => {
    const link = queryDeepLink('https://help.kusto.windows.net/', 'Samples', 'StormEvents | take 10');
    const u = new URL(link);
    assert.equal(u.origin + u.pathname, 'https://help.kusto.windows.net/Samples');
    assert.equal(u.searchParams.get('web'), '1');
    assert.equal(gunzipSync(Buffer.from(u.searchParams.get('query')!, 'base64')).toString('utf8'), 'StormEvents | take 10');
  });
});

describe('dashboard webview page', () => {
  it('has a strict CSP (nonce-only scripts and styles, nothing remote) and escapes the title', () => {
    const html = dashboardHtml({ nonce: 'abc123', cspSource: 'https://webview', scriptUri: 'https://webview/dist/webviews/dashboard.js', title: '<img src=x onerror=alert(1)>"' });
    const csp = /content="([^"]+)"/.exec(html)![1];
    assert.equal(csp, "default-src 'none'; style-src 'nonce-abc123'; script-src 'nonce-abc123'; img-src https://webview data:; font-src https://webview");
    assert.ok(!html.includes('<img'), 'the title is text');
    assert.match(html, /<title>&lt;img src=x onerror=alert\(1\)&gt;&quot;<\/title>/);
    assert.match(html, /<script nonce="abc123" src="https:\/\/webview\/dist\/webviews\/dashboard\.js"><\/script>/);
  });
});
