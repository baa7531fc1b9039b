import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotebookFormatError, parseNotebook, serializeNotebook, type NotebookFile } from '../../src/core/kql/notebookFormat';

const sample: NotebookFile = {
  connection: { cluster: 'local', database: 'NetDefaultDB' },
  cells: [
    { kind: 'markdown', source: '# Freshness\nHow late is the data?' },
    { kind: 'kql', source: 'Telemetry\n| summarize max(ingestion_time())', outputs: [{ items: [{ mime: 'application/vnd.eventline.kql-result+json', value: { version: 1, tables: [] } }, { mime: 'text/plain', value: '1 row' }] }] },
  ],
};

describe('KQL notebook file format (.kqlnb)', () => {
  it('writes stable JSON: fixed key order, 2-space indent, trailing newline, source as one string', () => {
    const text = serializeNotebook(sample, { saveOutputs: false });
    assert.equal(text, [
      '{',
      '  "version": 1,',
      '  "connection": {',
      '    "cluster": "local",',
      '    "database": "NetDefaultDB"',
      '  },',
      '  "cells": [',
      '    {',
      '      "kind": "markdown",',
      '      "source": "# Freshness\\nHow late is the data?"',
      '    },',
      '    {',
      '      "kind": "kql",',
      '      "source": "Telemetry\\n| summarize max(ingestion_time())"',
      '    }',
      '  ]',
      '}',
      '',
    ].join('\n'));
  });

  it('round-trips, with outputs only when asked', () => {
    const without = parseNotebook(serializeNotebook(sample, { saveOutputs: false }));
    assert.deepEqual(without, { connection: sample.connection, cells: sample.cells.map((c) => ({ kind: c.kind, source: c.source })) });
    const withOutputs = serializeNotebook(sample, { saveOutputs: true });
    assert.deepEqual(parseNotebook(withOutputs), sample);
    // Serializing what was read gives the same bytes (no churn in diffs).
    assert.equal(serializeNotebook(parseNotebook(withOutputs), { saveOutputs: true }), withOutputs);
  });

  it('keeps key order whatever order the input objects had', () => {
    const shuffled = { cells: [{ source: 'T', kind: 'kql' as const }], connection: { database: 'D', cluster: 'https://x' } };
    assert.match(serializeNotebook(shuffled, { saveOutputs: false }), /"cluster": "https:\/\/x",\n {4}"database": "D"/);
  });

  it('opens an empty file as an empty notebook and a notebook without connection', () => {
    assert.deepEqual(parseNotebook(''), { cells: [] });
    assert.deepEqual(parseNotebook('{"cells": []}'), { connection: undefined, cells: [] });
  });

  it('the sample notebooks in kql/ parse and are written exactly as the serializer writes them', () => {
    const dir = path.resolve(__dirname, '../../kql');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.kqlnb'));
    assert.ok(files.length >= 4, files.join(', '));
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      const nb = parseNotebook(text, f);
      assert.ok(nb.cells.some((c) => c.kind === 'kql'), f);
      assert.equal(serializeNotebook(nb, { saveOutputs: false }), text, f);
    }
  });

  it('explains malformed files with what, where and what to do', () => {
    const cases: [string, RegExp, number, number][] = [
      ['{"version": 1, "cells": [', /JSON is broken/, 1, 26],
      ['[1, 2]', /JSON object/, 1, 1],
      ['{"version": 1}', /"cells" must be an array/, 1, 1],
      ['{\n  "cells": [\n    {"kind": "python", "source": "x"}\n  ]\n}', /cells\[0\]\.kind must be "kql" or "markdown"/, 3, 14],
      ['{"cells": [{"kind": "kql", "source": ["a", "b"]}]}', /cells\[0\]\.source must be a string/, 1, 38],
      ['{"version": 7, "cells": []}', /newer Eventline/, 1, 13],
      ['{"connection": "help", "cells": []}', /"connection" must be/, 1, 16],
    ];
    for (const [text, message, line, column] of cases) {
      assert.throws(() => parseNotebook(text, 'x.kqlnb'), (e: unknown) => {
        assert.ok(e instanceof NotebookFormatError, text);
        assert.match(e.message, message);
        assert.match(e.message, /^x\.kqlnb cannot be opened as a KQL notebook/);
        assert.match(e.message, /text editor/);
        assert.deepEqual([e.line, e.column], [line, column], text);
        return true;
      });
    }
  });
});
