// The local Eventhouse writes v2 rows two ways: DuckDB builds the JSON (wireJsonSql, the fast path) or JS converts
// each value (toWire, used for results over 64 MB and non-strict dynamic values). Both must give the client the
// same values, whatever the type.
import * as assert from 'node:assert/strict';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { toWire, wireCastSql, wireJsonSql } from '../../src/local/eventhouse/wire';
import { MACROS } from '../../src/local/eventhouse/macros';
import { duckType, type KType } from '../../src/local/eventhouse/types';

const VALUES: Record<KType, string[]> = {
  bool: ['true', 'false', 'NULL'],
  int: ['0', '-7', '2147483647', 'NULL'],
  long: ['0', '-9007199254740993', '9223372036854775807', 'NULL'],
  real: ['0.0', '-0.0', '0.1', '1e-7', '1e21', '50.96666666666668', "'NaN'", "'Infinity'", "'-Infinity'", '1.7976931348623157e308', '5e-324', 'NULL'],
  decimal: ['1.5', '100', '0.0000000001', '-2.25', 'NULL'],
  string: ["''", "'a\"b\\c'", "'é ' || chr(8232) || chr(1) || chr(10)", 'NULL'],
  // Whole seconds take their own path (no fraction to format), on both sides of 1970.
  datetime: ["'2024-01-02 03:04:05.1234567'", "'1969-12-31 23:59:59.9999999'", "'2262-04-11 23:47:16'", "'2024-01-02 03:04:05'", "'1970-01-01 00:00:00'", "'1969-12-31 23:59:59'", "'1700-01-01 00:00:00'", "'2024-01-02 03:04:05.0000001'", 'NULL'],
  timespan: ['0', '1', '-36000000000', '864000000000', '12345678901234', 'NULL'],
  guid: ["'11111111-2222-3333-4444-555555555555'", 'NULL'],
  dynamic: ["'{\"a\":[1,2.5,\"x\"],\"b\":null}'", "'\"s\"'", "'12345678901234567890'", "'null'", 'NULL'],
};

describe('local Eventhouse wire format: DuckDB-built JSON equals the JS conversion', () => {
  let conn: DuckDBConnection;
  before(async () => {
    const inst = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    conn = await inst.connect();
    await conn.run("SET TimeZone='UTC'");
    for (const m of MACROS) await conn.run(m);
  });

  for (const [t, values] of Object.entries(VALUES) as [KType, string[]][]) {
    it(t, async () => {
      for (const v of values) {
        const x = `CAST(${v} AS ${duckType(t)})`;
        const [[raw, json]] = (await conn.runAndReadAll(`SELECT x, ${wireJsonSql('w', t)} FROM (SELECT x, ${wireCastSql('x', t)} AS w FROM (SELECT ${x} AS x)) AS _t`)).getRows();
        const expected: unknown = JSON.parse(JSON.stringify(toWire(raw, t)));
        assert.deepEqual(JSON.parse(String(json)), expected, `${t} ${v}: ${String(json)}`);
      }
    });
  }
});
