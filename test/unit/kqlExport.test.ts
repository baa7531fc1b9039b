import * as assert from 'node:assert/strict';
import { csvField, exportFileName, toCsv, toJson } from '../../src/core/kql/export';
import type { KqlTable } from '../../src/protocol/kqlResult';

const table: KqlTable = {
  name: 'PrimaryResult', kind: 'PrimaryResult',
  columns: [{ name: 'Timestamp', type: 'datetime' }, { name: 'Text', type: 'string' }, { name: 'Value', type: 'real' }, { name: 'Payload', type: 'dynamic' }, { name: 'Ok', type: 'bool' }],
  rows: [
    ['2026-01-01T00:00:00.0000000Z', 'plain', 1.5, { a: 1, b: 'x,"y"' }, true],
    [null, 'comma, "quote"\nnewline', 'NaN', [1, 2], false],
    [null, '', null, null, null],
  ],
};

describe('KQL result export', () => {
  it('writes RFC 4180 CSV: CRLF, header, quoting only when needed, dynamic as JSON text', () => {
    assert.equal(toCsv(table), [
      'Timestamp,Text,Value,Payload,Ok',
      '2026-01-01T00:00:00.0000000Z,plain,1.5,"{""a"":1,""b"":""x,\\""y\\""""}",true',
      ',"comma, ""quote""\nnewline",NaN,"[1,2]",false',
      ',,,,',
      '',
    ].join('\r\n'));
  });

  it('quotes fields with CR, LF, comma or quote and nothing else', () => {
    assert.equal(csvField('a b'), 'a b');
    assert.equal(csvField('a\rb'), '"a\rb"');
    assert.equal(csvField('"'), '""""');
    assert.equal(csvField(0), '0');
    assert.equal(csvField(undefined), '');
  });

  it('writes JSON as an array of objects that parses back to the same values', () => {
    const text = toJson(table);
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    assert.equal(parsed.length, 3);
    assert.deepEqual(parsed[0], { Timestamp: '2026-01-01T00:00:00.0000000Z', Text: 'plain', Value: 1.5, Payload: { a: 1, b: 'x,"y"' }, Ok: true });
    assert.deepEqual(parsed[1].Text, 'comma, "quote"\nnewline');
    assert.equal(text.split('\n').length, 6, 'one row per line');
    assert.equal(toJson({ ...table, rows: [] }), '[]\n');
  });

  it('makes safe file names', () => {
    assert.equal(exportFileName('a/b:c', 'csv'), 'a_b_c.csv');
    assert.equal(exportFileName('results.json', 'json'), 'results.json');
    assert.equal(exportFileName(undefined, 'json'), 'results.json');
  });
});
