import * as assert from 'node:assert/strict';
import { applyConnect, formatConnect, normalizeCluster, splitCell } from '../../src/core/kql/connect';
import { queryBlocks, blockAt, connectAbove, connectionOfQuery, isConnectOnly, otherConnections } from '../../src/core/kql/queryBlocks';

describe('KQL #connect and cluster names', () => {
  it('normalizes cluster names as Kusto Explorer does', () => {
    assert.equal(normalizeCluster('help'), 'https://help.kusto.windows.net');
    assert.equal(normalizeCluster('mycluster.westeurope.kusto.windows.net'), 'https://mycluster.westeurope.kusto.windows.net');
    assert.equal(normalizeCluster('https://abc.z1.kusto.fabric.microsoft.com/'), 'https://abc.z1.kusto.fabric.microsoft.com');
    assert.equal(normalizeCluster('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
    assert.equal(normalizeCluster('127.0.0.1:8080'), 'http://127.0.0.1:8080');
    assert.equal(normalizeCluster('localhost:9'), 'http://localhost:9');
    assert.equal(normalizeCluster('LOCAL'), 'local');
  });

  it('refuses plain http to a remote host and other schemes, saying what to write', () => {
    assert.throws(() => normalizeCluster('http://example.com'), /use https:\/\//);
    assert.throws(() => normalizeCluster('ftp://x.y'), /https:\/\//);
    assert.throws(() => normalizeCluster('  '), /empty/);
  });

  it('splits a cell into its #connect line and the query, keeping positions', () => {
    const s = splitCell("#connect cluster('help').database('Samples')\n\n  StormEvents\n| take 10\n");
    assert.deepEqual(s.connect, { cluster: 'https://help.kusto.windows.net', database: 'Samples', span: { line: 0, column: 0, endColumn: 44 } });
    assert.equal(s.query, 'StormEvents\n| take 10');
    assert.equal(s.queryLine, 2);
    assert.equal(s.queryColumn, 2);
    assert.equal(s.error, undefined);
  });

  it('accepts double quotes, cluster only, database only and the local alias', () => {
    assert.deepEqual(splitCell('#connect cluster("http://127.0.0.1:5000").database("Db")\nT').connect?.cluster, 'http://127.0.0.1:5000');
    const clusterOnly = splitCell("#CONNECT cluster('x.kusto.windows.net')\nT").connect;
    assert.equal(clusterOnly?.database, undefined);
    assert.deepEqual(applyConnect({ cluster: 'local', database: 'NetDefaultDB' }, clusterOnly), { cluster: 'https://x.kusto.windows.net', database: 'NetDefaultDB' });
    const dbOnly = splitCell("#connect database('Other')\nT").connect;
    assert.deepEqual(applyConnect({ cluster: 'local', database: 'NetDefaultDB' }, dbOnly), { cluster: 'local', database: 'Other' });
    assert.equal(splitCell("#connect cluster('local').database('D')").connect?.cluster, 'local');
    assert.deepEqual(applyConnect(undefined, dbOnly), undefined);
  });

  it('reports bad forms on the #connect line', () => {
    for (const bad of ['#connect help', "#connect cluster(help)", "#connect cluster('a').db('b')", "#connect cluster('http://evil.com').database('x')", "#connect cluster('a').database('')"]) {
      const s = splitCell(`${bad}\nT | take 1`);
      assert.ok(s.error, bad);
      assert.equal(s.error.span.line, 0);
      assert.equal(s.connect, undefined);
    }
    const later = splitCell("T\n#connect cluster('a').database('b')");
    assert.match(later.error!.message, /first line/);
    assert.equal(later.error!.span.line, 1);
  });

  it('drops leading comment lines so a management command starts with its dot', () => {
    const s = splitCell('// sample data\n  // more\n.set-or-replace T <|\n  print 1 // trailing comments stay');
    assert.equal(s.query, '.set-or-replace T <|\n  print 1 // trailing comments stay');
    assert.deepEqual([s.queryLine, s.queryColumn], [2, 0]);
  });

  it('leaves a cell without #connect as it is', () => {
    const s = splitCell('\n  print 1');
    assert.equal(s.connect, undefined);
    assert.equal(s.query, 'print 1');
    assert.equal(s.queryLine, 1);
    assert.equal(s.queryColumn, 2);
  });

  it('formats a #connect line that parses back', () => {
    const line = formatConnect({ cluster: 'http://127.0.0.1:8080', database: 'NetDefaultDB' });
    assert.equal(line, "#connect cluster('http://127.0.0.1:8080').database('NetDefaultDB')");
    assert.deepEqual(splitCell(line).connect?.database, 'NetDefaultDB');
  });
});

describe('KQL query blocks in .kql files', () => {
  const text = '// header comment\n\nT\n| take 1\n\n\n.show tables\n// trailing\n\n// only a comment\n';
  it('splits on blank lines and skips comment-only blocks', () => {
    assert.deepEqual(queryBlocks(text), [
      { startLine: 2, endLine: 3, text: 'T\n| take 1' },
      { startLine: 6, endLine: 7, text: '.show tables\n// trailing' },
    ]);
  });
  it('finds the block under the cursor or the one above a blank line', () => {
    assert.equal(blockAt(text, 3)?.startLine, 2);
    assert.equal(blockAt(text, 5)?.startLine, 2);
    assert.equal(blockAt(text, 7)?.startLine, 6);
    assert.equal(blockAt(text, 0)?.startLine, 2);
    assert.equal(blockAt('', 0), undefined);
  });
  it('carries a #connect down to the queries below it, folding cluster and database', () => {
    const script = [
      'T | take 1', // 0: runs on the active connection
      '',
      "#connect cluster('help').database('Samples')", // 2: a directive block
      '',
      'StormEvents | count', // 4
      '',
      "#connect database('ContosoSales')", // 6: keeps the cluster
      'SalesFact | take 3', // 7
      '',
      'SalesFact | count', // 9
    ].join('\n');
    assert.equal(connectAbove(script, 0), undefined);
    assert.deepEqual(connectAbove(script, 4), { cluster: 'https://help.kusto.windows.net', database: 'Samples', line: 2 });
    // The block at 6 has its own #connect; what is above it is still the help/Samples one.
    assert.deepEqual(connectAbove(script, 6), { cluster: 'https://help.kusto.windows.net', database: 'Samples', line: 2 });
    assert.deepEqual(connectAbove(script, 9), { cluster: 'https://help.kusto.windows.net', database: 'ContosoSales', line: 6 });
    // A selection that starts inside a block under its #connect line runs under that line.
    assert.deepEqual(connectAbove(script, 7), { cluster: 'https://help.kusto.windows.net', database: 'ContosoSales', line: 6 });
    const blocks = queryBlocks(script);
    assert.deepEqual(blocks.map(isConnectOnly), [false, true, false, false, false]);

    // Where each query runs, given the file's own connection; a block's own #connect applies to the file's.
    const active = { cluster: 'local', database: 'NetDefaultDB' };
    const where = blocks.filter((b) => !isConnectOnly(b)).map((b) => connectionOfQuery(script, b.startLine, b.text, active));
    // The block at 6 names only a database: it keeps the cluster chosen above it, like the query at 9 below it.
    assert.deepEqual(where, [
      active,
      { cluster: 'https://help.kusto.windows.net', database: 'Samples' },
      { cluster: 'https://help.kusto.windows.net', database: 'ContosoSales' },
      { cluster: 'https://help.kusto.windows.net', database: 'ContosoSales' },
    ]);
    // The schemas a language server needs besides the file's own: each other database once.
    assert.deepEqual(otherConnections(script, active), where.slice(1, 3));
    assert.deepEqual(otherConnections('T | take 1', active), []);
  });
});
