import * as assert from 'node:assert/strict';
import {
  cellDetail, cellText, clampWidth, columnOffsets, GridSelection, initialWidths, MAX_SCROLL_PX, rowWindow, selectionToTsv, sortedOrder,
  timespanMs, tsvField, visibleColumns,
} from '../../src/core/kql/tableModel';
import type { KqlTable } from '../../src/protocol/kqlResult';

const table: KqlTable = {
  name: 'PrimaryResult', kind: 'PrimaryResult',
  columns: [{ name: 'n', type: 'long' }, { name: 'when', type: 'datetime' }, { name: 's', type: 'string' }, { name: 'd', type: 'dynamic' }, { name: 'span', type: 'timespan' }],
  rows: [
    [10, '2026-01-02T00:00:00Z', 'b', { a: 1 }, '1.00:00:00'],
    [null, null, null, null, null],
    [2, '2026-01-01T00:00:00.5Z', 'item10', [1, 2], '00:00:01.5'],
    ['9007199254740993', '2025-12-31T23:59:59Z', 'item9', null, '-00:10:00'],
    [2, '2026-01-01T00:00:00Z', 'A', 'x', '00:00:02'],
  ],
};

const order = (col: number, dir: 'asc' | 'desc') => [...sortedOrder(table, col, dir)];

describe('result grid model', () => {
  describe('sorting', () => {
    it('numbers by value (long beyond 2^53 as text too), nulls last, ties stable', () => {
      assert.deepEqual(order(0, 'asc'), [2, 4, 0, 3, 1]);
      assert.deepEqual(order(0, 'desc'), [3, 0, 2, 4, 1]);
    });
    it('datetimes by instant, including fractions', () => {
      assert.deepEqual(order(1, 'asc'), [3, 4, 2, 0, 1]);
      assert.deepEqual(order(1, 'desc'), [0, 2, 4, 3, 1]);
    });
    it('strings by natural, case-insensitive collation, nulls last in both directions', () => {
      assert.deepEqual(order(2, 'asc'), [4, 0, 3, 2, 1]);
      assert.deepEqual(order(2, 'desc'), [2, 3, 0, 4, 1]);
    });
    it('timespans by duration', () => {
      assert.deepEqual(order(4, 'asc'), [3, 2, 4, 0, 1]);
      assert.equal(timespanMs('1.02:03:04.5'), ((26 * 60 + 3) * 60 + 4.5) * 1000);
      assert.equal(timespanMs('nope'), null);
    });
    it('sorts 100,000 datetimes (its speed is measured by bench:renderer)', () => {
      const rows = Array.from({ length: 100_000 }, (_, i) => [new Date(Date.UTC(2026, 0, 1) + ((i * 7919) % 100_000) * 1000).toISOString()]);
      const o = sortedOrder({ columns: [{ name: 't', type: 'datetime' }], rows }, 0, 'asc');
      assert.equal(rows[o[0]][0], '2026-01-01T00:00:00.000Z');
      for (let i = 1; i < o.length; i++) assert.ok(rows[o[i - 1]][0] <= (rows[o[i]][0]), `sorted at ${i}`);
    });
  });

  describe('cell text', () => {
    it('null is empty, dynamic is compact JSON in the cell and pretty JSON in the detail', () => {
      assert.equal(cellText(null), '');
      assert.equal(cellText({ a: [1, 'x'] }), '{"a":[1,"x"]}');
      assert.equal(cellDetail({ a: 1 }), '{\n  "a": 1\n}');
      assert.equal(cellDetail('{"b":2}'), '{\n  "b": 2\n}');
      assert.equal(cellDetail('{not json'), '{not json');
      assert.equal(cellText('<img src=x onerror=alert(1)>'), '<img src=x onerror=alert(1)>');
    });
  });

  describe('selection and TSV', () => {
    const view = [0, 1, 2, 3, 4];
    it('click, shift-click range and ctrl-click toggle', () => {
      const sel = new GridSelection(() => 5);
      sel.click(0, 0, {});
      sel.click(2, 2, { shift: true });
      assert.deepEqual(sel.ranges, [{ r0: 0, r1: 2, c0: 0, c1: 2 }]);
      sel.click(4, 4, { toggle: true });
      assert.equal(sel.has(4, 4), true);
      assert.equal(sel.has(3, 3), false);
      sel.click(4, 4, { toggle: true });
      assert.equal(sel.has(4, 4), false);
      sel.click(1, 3, {}, true);
      assert.deepEqual(sel.ranges, [{ r0: 1, r1: 1, c0: 0, c1: 4 }]);
      assert.equal(sel.rowHas(1), true);
    });
    it('copies the selection as TSV with a header, quoting tabs, newlines and quotes', () => {
      const sel = new GridSelection(() => 5);
      sel.click(0, 2, {});
      sel.click(2, 3, { shift: true });
      const { text, rows } = selectionToTsv(table, view, sel);
      assert.equal(rows, 3);
      assert.equal(text, 's\td\nb\t{"a":1}\n\t\nitem10\t[1,2]');
      assert.equal(tsvField('a\tb'), '"a\tb"');
      assert.equal(tsvField('say "hi"'), 'say "hi"');
      assert.equal(tsvField('"hi"'), '"""hi"""');
      assert.equal(tsvField('line\nbreak'), '"line\nbreak"');
    });
    it('cells inside the box that are not selected stay empty; rows follow the sort order', () => {
      const sel = new GridSelection(() => 5);
      sel.click(0, 0, {});
      sel.click(1, 2, { toggle: true });
      const sorted = [...sortedOrder(table, 0, 'asc')];
      assert.equal(selectionToTsv(table, sorted, sel, false).text, '2\t\n\tA');
    });
    it('select all covers every row and column', () => {
      const sel = new GridSelection(() => 5);
      sel.selectAll(5);
      assert.equal(selectionToTsv(table, view, sel).text.split('\n').length, 6);
    });
  });

  describe('widths and the virtual window', () => {
    it('initial widths follow the content and are clamped', () => {
      const w = initialWidths([{ name: 'id', type: 'long' }, { name: 'long', type: 'string' }], [[1, 'x'.repeat(500)]]);
      assert.equal(w[0], 85); // 'id' plus its type and the sort arrow
      assert.ok(w[1] > 400 && w[1] <= 960);
      assert.equal(clampWidth(10), 48);
    });
    it('offsets and visible columns by binary search', () => {
      const off = columnOffsets([100, 50, 200, 100]);
      assert.deepEqual(off, [0, 100, 150, 350, 450]);
      assert.deepEqual(visibleColumns(off, 0, 120), { first: 0, last: 1 });
      assert.deepEqual(visibleColumns(off, 149, 2), { first: 1, last: 2 });
      assert.deepEqual(visibleColumns(off, 400, 1000), { first: 3, last: 3 });
      assert.deepEqual(visibleColumns([0], 0, 100), { first: 0, last: -1 });
    });
    it('the row window covers the viewport plus overscan', () => {
      assert.deepEqual(rowWindow(0, 220, 22, 100_000, 5), { first: 0, end: 16, spacer: 2_200_000, top: 0 });
      const w = rowWindow(22 * 500, 220, 22, 100_000, 5);
      assert.deepEqual([w.first, w.end, w.top], [495, 516, 495 * 22]);
      assert.deepEqual(rowWindow(0, 220, 22, 3, 5), { first: 0, end: 3, spacer: 66, top: 0 });
    });
    it('a huge result scales the scroll area and still reaches the last row', () => {
      const rows = 10_000_000;
      const w0 = rowWindow(0, 440, 22, rows, 0);
      assert.equal(w0.spacer, MAX_SCROLL_PX);
      const end = rowWindow(MAX_SCROLL_PX - 440, 440, 22, rows, 0);
      assert.equal(end.end, rows);
      const mid = rowWindow((MAX_SCROLL_PX - 440) / 2, 440, 22, rows, 0);
      assert.ok(Math.abs(mid.first - rows / 2) < 20);
    });
  });
});
