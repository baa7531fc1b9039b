import * as assert from 'node:assert/strict';
import { bracket, createTableScript, parseCslSchema } from '../../src/core/kustoNames';

describe('Kusto names and schema text', () => {
  it('parses cslschema text, including quoted names', () => {
    assert.deepEqual(parseCslSchema("Timestamp:datetime,Sensor:string, ['my col']:real,Payload:dynamic"), [
      { name: 'Timestamp', type: 'datetime' }, { name: 'Sensor', type: 'string' }, { name: 'my col', type: 'real' }, { name: 'Payload', type: 'dynamic' },
    ]);
    assert.deepEqual(parseCslSchema(''), []);
  });

  it('quotes only names that need it, escaping quotes', () => {
    assert.equal(bracket('Events_2'), 'Events_2');
    assert.equal(bracket('my table'), "['my table']");
    assert.equal(bracket("o'neil"), "['o\\'neil']");
  });

  it('writes a .create table script', () => {
    assert.equal(createTableScript('T x', [{ name: 'a', type: 'string' }, { name: 'b c', type: 'long' }]), ".create table ['T x'] (a: string, ['b c']: long)");
  });
});
