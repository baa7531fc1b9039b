import * as assert from 'node:assert/strict';
import { chartSpec, expandSeriesArrays, inDrawnOrder, niceTicks, stackSeries, type CategoryChartSpec, type XYChartSpec } from '../../src/core/kql/chartSpec';
import type { KqlTable, KqlVisualization } from '../../src/protocol/kqlResult';

const t = (columns: [string, string][], rows: unknown[][]): KqlTable => ({ name: 'PrimaryResult', kind: 'PrimaryResult', columns: columns.map(([name, type]) => ({ name, type })), rows });
const vis = (Visualization: string, extra: Partial<KqlVisualization> = {}): KqlVisualization => ({ Visualization, ...extra });

const perMinute = t([['Source', 'string'], ['Timestamp', 'datetime'], ['Count', 'long'], ['Bytes', 'real']], [
  ['a', '2026-01-01T00:01:00Z', 3, 30],
  ['b', '2026-01-01T00:00:00Z', 5, 50],
  ['a', '2026-01-01T00:00:00Z', 1, 10],
]);

describe('chartSpec', () => {
  it('timechart: x is the first datetime column, y the numeric ones, series from string columns, x ascending', () => {
    const s = chartSpec(perMinute, vis('timechart')) as XYChartSpec;
    assert.equal(s.type, 'xy');
    assert.equal(s.xTime, true);
    assert.deepEqual(s.x, [Date.UTC(2026, 0, 1, 0, 0), Date.UTC(2026, 0, 1, 0, 1)]);
    assert.deepEqual(s.series.map((x) => x.name), ['b:Count', 'b:Bytes', 'a:Count', 'a:Bytes']);
    assert.deepEqual(s.series[0].values, [5, null]);
    assert.deepEqual(s.series[2].values, [1, 3]);
    assert.equal(s.legend, true);
  });

  it('honours xcolumn, ycolumns, series, titles and a hidden legend', () => {
    const s = chartSpec(perMinute, vis('linechart', { XColumn: 'Timestamp', YColumns: 'Count', Series: 'Source', Title: 'Per minute', XTitle: 'time', YTitle: 'events', Legend: 'hidden' })) as XYChartSpec;
    assert.deepEqual(s.series.map((x) => x.name), ['b', 'a']);
    assert.equal(s.title, 'Per minute');
    assert.equal(s.xTitle, 'time');
    assert.equal(s.yTitle, 'events');
    assert.equal(s.legend, false);
  });

  it('a column named in a property but missing from the result is a clear error', () => {
    const s = chartSpec(perMinute, vis('timechart', { YColumns: 'Count, Nope' }));
    assert.equal(s.type, 'error');
    assert.match((s as { message: string }).message, /ycolumns "Nope" is not a column of the result \(columns: Source, Timestamp, Count, Bytes\)/);
    assert.equal(chartSpec(perMinute, vis('timechart', { XColumn: 'When' })).type, 'error');
  });

  it('timechart without a datetime column and charts without numbers say so', () => {
    assert.match((chartSpec(t([['k', 'string'], ['n', 'long']], [['a', 1]]), vis('timechart')) as { message: string }).message, /no datetime column/);
    assert.match((chartSpec(t([['k', 'string'], ['s', 'string']], [['a', 'b']]), vis('columnchart')) as { message: string }).message, /no numeric column/);
    assert.equal(chartSpec(perMinute, vis('treemap')).type, 'error');
  });

  it('linechart: default x is the first column; a string x is refused with a hint', () => {
    const s = chartSpec(t([['n', 'long'], ['v', 'real']], [[2, 20], [1, 10]]), vis('linechart')) as XYChartSpec;
    assert.equal(s.xTime, false);
    assert.deepEqual(s.x, [1, 2]);
    assert.deepEqual(s.series[0].values, [10, 20]);
    assert.match((chartSpec(perMinute, vis('linechart')) as { message: string }).message, /columnchart/);
  });

  it('scatterchart keeps repeated x values as separate points', () => {
    const s = chartSpec(t([['x', 'real'], ['y', 'real']], [[1, 1], [1, 2], [0, 5]]), vis('scatterchart')) as XYChartSpec;
    assert.deepEqual(s.x, [0, 1, 1]);
    assert.deepEqual(s.series[0].values, [5, 1, 2]);
  });

  it('columnchart: categories in result order, series pivot, repeated categories add up, kind is the stack mode', () => {
    const s = chartSpec(t([['Key', 'string'], ['Site', 'string'], ['N', 'long']], [['x', 'n', 1], ['y', 'n', 2], ['x', 's', 4], ['x', 'n', 1]]), vis('columnchart', { Kind: 'stacked' })) as CategoryChartSpec;
    assert.equal(s.type, 'category');
    assert.deepEqual(s.categories, ['x', 'y']);
    assert.deepEqual(s.series.map((x) => [x.name, x.values]), [['n', [2, 2]], ['s', [4, null]]]);
    assert.equal(s.stack, 'stacked');
    assert.equal((chartSpec(perMinute, vis('barchart', { Kind: 'stacked100' })) as CategoryChartSpec).stack, 'stacked100');
    assert.equal((chartSpec(perMinute, vis('barchart', { Kind: 'unstacked' })) as CategoryChartSpec).stack, 'none');
  });

  it('areachart carries its stack kind; stackSeries computes running totals and percentages', () => {
    assert.equal((chartSpec(perMinute, vis('areachart', { Kind: 'stacked100', XColumn: 'Timestamp' })) as XYChartSpec).stack, 'stacked100');
    const series = [{ name: 'a', values: [1, null, 3] }, { name: 'b', values: [1, 2, 1] }];
    assert.deepEqual(stackSeries(series, 'stacked'), [[1, 0, 3], [2, 2, 4]]);
    assert.deepEqual(stackSeries(series, 'stacked100'), [[50, 0, 75], [100, 100, 100]]);
    assert.deepEqual(stackSeries(series, 'none'), [[1, null, 3], [1, 2, 1]]);
  });

  it('piechart: first string column and first numeric column, summed, largest first, the tail merged', () => {
    const s = chartSpec(t([['n', 'long'], ['k', 'string']], [[1, 'a'], [5, 'b'], [2, 'a'], [-1, 'c']]), vis('piechart'));
    assert.deepEqual(s, { type: 'pie', slices: [{ label: 'b', value: 5 }, { label: 'a', value: 3 }], legend: true, title: undefined, notes: [] });
    const many = chartSpec(t([['k', 'string'], ['n', 'long']], Array.from({ length: 30 }, (_, i) => [`k${i}`, 30 - i])), vis('piechart'));
    assert.equal(many.type === 'pie' && many.slices.length, 20);
    assert.equal(many.type === 'pie' && many.slices[19].label, 'Other (11)');
  });

  it('card: the first value of the first row, labelled by the title or the column', () => {
    assert.deepEqual(chartSpec(t([['Total', 'long'], ['x', 'string']], [[42, 'z']]), vis('card')), { type: 'card', label: 'Total', value: '42', notes: [] });
    assert.equal((chartSpec(t([['Total', 'long']], [[42]]), vis('card', { Title: 'Events' })) as { label: string }).label, 'Events');
    assert.equal(chartSpec(t([['Total', 'long']], []), vis('card')).type, 'error');
  });

  it('anomalychart: anomaly columns mark points and are not plotted; make-series arrays are expanded', () => {
    const series = t([['Source', 'string'], ['Timestamp', 'dynamic'], ['Count', 'dynamic'], ['anomalies', 'dynamic']], [
      ['a', ['2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', '2026-01-01T00:02:00Z'], [1, 50, 2], [0, 1, 0]],
    ]);
    const expanded = expandSeriesArrays(series);
    assert.deepEqual(expanded.columns.map((c) => c.type), ['string', 'datetime', 'real', 'real']);
    assert.equal(expanded.rows.length, 3);
    const s = chartSpec(series, vis('anomalychart', { AnomalyColumns: 'anomalies' })) as XYChartSpec;
    assert.deepEqual(s.series.map((x) => x.name), ['a']);
    assert.deepEqual(s.series[0].anomalies, [1]);
    // Without the property, a column whose name says "anomal" is taken as the flag column.
    assert.deepEqual((chartSpec(series, vis('anomalychart')) as XYChartSpec).series[0].anomalies, [1]);
  });

  it('ysplit=axes and panels give one axis per series', () => {
    assert.equal((chartSpec(perMinute, vis('timechart', { YSplit: 'panels' })) as XYChartSpec).ySplit, 'axes');
    assert.equal((chartSpec(perMinute, vis('timechart')) as XYChartSpec).ySplit, 'none');
  });

  // How fast this is belongs to bench:renderer (a timed assertion here would only measure the machine's load).
  it('shapes 100,000 rows into one point per row', () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => [new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), i % 97]);
    const s = chartSpec(t([['t', 'datetime'], ['v', 'long']], rows), vis('timechart')) as XYChartSpec;
    assert.equal(s.x.length, 100_000);
    assert.equal(s.series[0].values.length, 100_000);
  });
});

describe('niceTicks', () => {
  it('covers the range with 1-2-5 steps', () => {
    assert.deepEqual(niceTicks(0, 97), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(niceTicks(0.1, 0.3, 2), [0.1, 0.2, 0.3]);
    assert.deepEqual(niceTicks(-3, 12, 3), [-5, 0, 5, 10, 15]);
    assert.deepEqual(niceTicks(0, 0), [0, 1]);
  });
});

describe('inDrawnOrder', () => {
  it('a refresh naming the same series in another order keeps the drawn order; other series do not match', () => {
    // Rows with equal x (one bin, three sources) come in no fixed order, so the series do not either.
    const first = chartSpec(t([['Timestamp', 'datetime'], ['Source', 'string'], ['Events', 'long']], [
      ['2026-01-01T00:00:00Z', 'weather', 1], ['2026-01-01T00:00:00Z', 'orders', 2], ['2026-01-01T00:10:00Z', 'weather', 3],
    ]), vis('timechart')) as XYChartSpec;
    const next = chartSpec(t([['Timestamp', 'datetime'], ['Source', 'string'], ['Events', 'long']], [
      ['2026-01-01T00:00:00Z', 'orders', 2], ['2026-01-01T00:00:00Z', 'weather', 1], ['2026-01-01T00:10:00Z', 'weather', 4],
    ]), vis('timechart')) as XYChartSpec;
    const drawn = first.series.map((s) => s.name);
    assert.deepEqual(drawn, ['weather', 'orders']);
    assert.deepEqual(next.series.map((s) => s.name), ['orders', 'weather']);
    const ordered = inDrawnOrder(drawn, next.series);
    assert.deepEqual(ordered?.map((s) => [s.name, s.values]), [['weather', [1, 4]], ['orders', [2, null]]]);
    assert.equal(inDrawnOrder(drawn, next.series.slice(0, 1)), undefined);
    assert.equal(inDrawnOrder(['weather', 'sensors'], next.series), undefined);
    assert.equal(inDrawnOrder(['weather', 'weather'], [{ name: 'weather', values: [] }, { name: 'weather', values: [] }]), undefined);
  });
});
