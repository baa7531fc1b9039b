import * as assert from 'node:assert/strict';
import { jsonSafe, shapeResponse, summarize, visualizationFrom } from '../../src/core/kql/resultShape';
import { KqlQueryError, kqlErrorFromBody, positionInMessage, toCellPosition } from '../../src/core/kql/queryError';
import { KQL_RESULT_VERSION } from '../../src/protocol/kqlResult';

const info = { cluster: 'http://127.0.0.1:8080', database: 'NetDefaultDB', clientRequestId: 'Eventline.Query;1', elapsedMs: 12, executionOrder: 3 };

function v2(primary: unknown[][], columns: { ColumnName: string; ColumnType: string }[], vis: Record<string, unknown> | null, completion: Record<string, unknown> = { HasErrors: false, Cancelled: false }, extraPrimary = false) {
  return [
    { FrameType: 'DataSetHeader', IsProgressive: false, Version: 'v2.0' },
    { FrameType: 'DataTable', TableId: 0, TableKind: 'QueryProperties', TableName: '@ExtendedProperties', Columns: [{ ColumnName: 'TableId', ColumnType: 'int' }, { ColumnName: 'Key', ColumnType: 'string' }, { ColumnName: 'Value', ColumnType: 'dynamic' }], Rows: [[1, 'Visualization', JSON.stringify(vis ?? { Visualization: null, Title: null })]] },
    { FrameType: 'DataTable', TableId: 1, TableKind: 'PrimaryResult', TableName: 'PrimaryResult', Columns: columns, Rows: primary },
    ...(extraPrimary ? [{ FrameType: 'DataTable', TableId: 2, TableKind: 'PrimaryResult', TableName: 'Second', Columns: [{ ColumnName: 'n', ColumnType: 'long' }], Rows: [[1], [2]] }] : []),
    { FrameType: 'DataTable', TableId: 3, TableKind: 'QueryCompletionInformation', TableName: 'QueryCompletionInformation', Columns: [{ ColumnName: 'Level', ColumnType: 'int' }, { ColumnName: 'Payload', ColumnType: 'string' }], Rows: [[4, '{"info":"ok"}']] },
    { FrameType: 'DataSetCompletion', ...completion },
  ];
}

describe('KQL result shaping', () => {
  it('shapes every primary table with JSON-safe values and the run info', () => {
    const cols = [{ ColumnName: 'Timestamp', ColumnType: 'datetime' }, { ColumnName: 'Sensor', ColumnType: 'string' }, { ColumnName: 'Value', ColumnType: 'real' }, { ColumnName: 'Payload', ColumnType: 'dynamic' }, { ColumnName: 'Age', ColumnType: 'timespan' }, { ColumnName: 'Big', ColumnType: 'long' }, { ColumnName: 'D', ColumnType: 'decimal' }];
    const { output, warnings } = shapeResponse(v2([
      ['2026-01-01T00:00:00.0000000Z', 's1', 1.5, { unit: 'C' }, '00:01:00', 2 ** 53 + 2, '1.10'],
      [null, '', 'NaN', null, null, 42, null],
    ], cols, null, undefined, true), info);
    assert.deepEqual(warnings, []);
    assert.equal(output.version, KQL_RESULT_VERSION);
    assert.equal(output.tables.length, 2);
    assert.deepEqual(output.tables[0].columns.map((c) => `${c.name}:${c.type}`), ['Timestamp:datetime', 'Sensor:string', 'Value:real', 'Payload:dynamic', 'Age:timespan', 'Big:long', 'D:decimal']);
    assert.deepEqual(output.tables[0].rows[0], ['2026-01-01T00:00:00.0000000Z', 's1', 1.5, { unit: 'C' }, '00:01:00', '9007199254740994', '1.10']);
    assert.deepEqual(output.tables[0].rows[1], [null, '', 'NaN', null, null, 42, null]);
    assert.equal(output.tables[1].name, 'Second');
    assert.deepEqual(output.info, { ...info, rowCount: 4 });
    assert.equal(output.visualization, undefined, 'no render → no visualization');
    assert.doesNotThrow(() => JSON.stringify(output));
  });

  it('takes the Visualization and its properties from @ExtendedProperties', () => {
    const vis = { Visualization: 'timechart', Title: 'Per minute', XColumn: 'Timestamp', YColumns: 'count_', Series: 'Sensor', Kind: 'stacked', Legend: 'visible', Accumulate: false, Ymin: 'NaN' };
    const { output } = shapeResponse(v2([], [{ ColumnName: 'Timestamp', ColumnType: 'datetime' }], vis), info);
    assert.deepEqual(output.visualization, vis);
    // Older services put the whole JSON in a single Value column.
    assert.deepEqual(visualizationFrom({ Columns: [{ ColumnName: 'Value' }], Rows: [[JSON.stringify({ Visualization: 'piechart' })]] }), { Visualization: 'piechart' });
    assert.equal(visualizationFrom({ Columns: [{ ColumnName: 'Value' }], Rows: [['not json']] }), undefined);
  });

  it('keeps a truncated result with a warning, and throws other in-band errors with their position', () => {
    const err = { error: { code: 'General_BadRequest', message: 'Request is invalid', '@message': 'Query result set has exceeded the internal record count limit 500000 (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits).' } };
    const t = shapeResponse(v2([[1]], [{ ColumnName: 'x', ColumnType: 'long' }], null, { HasErrors: true, Cancelled: false, OneApiErrors: [err] }), info);
    assert.equal(t.output.info.truncated, true);
    assert.equal(t.output.tables[0].rows.length, 1);
    assert.match(t.warnings[0], /E_QUERY_RESULT_SET_TOO_LARGE/);
    const bad = { error: { code: 'BadRequest', message: 'x', '@message': "Failed to resolve 'Nope' [line:position=2:3]" } };
    assert.throws(() => shapeResponse(v2([], [], null, { HasErrors: true, OneApiErrors: [bad] }), info), (e: unknown) => e instanceof KqlQueryError && e.info.line === 2 && e.info.column === 3 && /Nope/.test(e.message));
  });

  it('shapes v1 management results, parsing dynamic JSON text', () => {
    const { output } = shapeResponse({ Tables: [{ TableName: 'Table_0', Columns: [{ ColumnName: 'TableName', DataType: 'String', ColumnType: 'string' }, { ColumnName: 'Rows', DataType: 'Int64' }, { ColumnName: 'Policy', DataType: 'Object', ColumnType: 'dynamic' }], Rows: [['T', 3, '{"a":1}'], ['U', 0, '']] }] }, info);
    assert.equal(output.tables.length, 1);
    assert.deepEqual(output.tables[0].columns, [{ name: 'TableName', type: 'string' }, { name: 'Rows', type: 'long' }, { name: 'Policy', type: 'dynamic' }]);
    assert.deepEqual(output.tables[0].rows, [['T', 3, { a: 1 }], ['U', 0, null]]);
    assert.equal(output.info.rowCount, 2);
  });

  it('uses the table of contents of a v1 multi-table answer', () => {
    const t = (name: string) => ({ TableName: name, Columns: [{ ColumnName: 'x', ColumnType: 'long' }], Rows: [[1]] });
    const toc = { TableName: 'Table_3', Columns: [{ ColumnName: 'Ordinal', ColumnType: 'long' }, { ColumnName: 'Kind', ColumnType: 'string' }, { ColumnName: 'Name', ColumnType: 'string' }], Rows: [[0, 'QueryResult', 'PrimaryResult'], [1, 'QueryProperties', '@ExtendedProperties'], [2, 'QueryStatus', 'QueryStatus']] };
    const { output } = shapeResponse({ Tables: [t('Table_0'), t('Table_1'), t('Table_2'), toc] }, info);
    assert.deepEqual(output.tables.map((x) => x.name), ['PrimaryResult']);
  });

  it('refuses answers that are not Kusto results', () => {
    assert.throws(() => shapeResponse('<html>', info), /not a Kusto result/);
  });

  it('makes values JSON-safe by type', () => {
    assert.equal(jsonSafe(Infinity, 'real'), 'Infinity');
    assert.equal(jsonSafe(-Infinity, 'real'), '-Infinity');
    assert.equal(jsonSafe('12', 'long'), 12);
    assert.equal(jsonSafe('123456789012345678901', 'long'), '123456789012345678901');
    assert.equal(jsonSafe(1, 'bool'), true);
    assert.equal(jsonSafe('', 'guid'), null);
    assert.equal(jsonSafe('"s"', 'dynamic', false), '"s"', 'v2 dynamic strings stay as sent');
  });

  it('summarizes for the text/plain fallback', () => {
    const { output } = shapeResponse(v2([['a'], ['b']], [{ ColumnName: 's', ColumnType: 'string' }], null), info);
    assert.equal(summarize(output), '2 rows in 0.01 s from NetDefaultDB\ns\na\nb');
  });
});

describe('KQL error positions', () => {
  it('reads @line/@column, else the [line:position=L:C] in the message', () => {
    assert.deepEqual(kqlErrorFromBody({ error: { code: 'General_BadRequest', message: 'Request is invalid', '@message': 'Syntax error: x', '@line': 2, '@column': 8 } }), { message: 'Syntax error: x', code: 'General_BadRequest', line: 2, column: 8 });
    assert.deepEqual(kqlErrorFromBody('{"error":{"message":"m [line:position=3:4]"}}'), { message: 'm [line:position=3:4]', code: undefined, line: 3, column: 4 });
    assert.equal(kqlErrorFromBody('nope'), undefined);
    assert.deepEqual(positionInMessage('no position'), {});
  });

  it('maps positions in the sent text back onto the cell', () => {
    assert.deepEqual(toCellPosition({ line: 1, column: 5 }, 2, 3), { line: 2, character: 7 });
    assert.deepEqual(toCellPosition({ line: 2, column: 1 }, 2, 3), { line: 3, character: 0 });
  });
});
