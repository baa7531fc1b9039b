// Timing shared by the benchmarks that compare two sides measured in the same run.

export const median = (xs: readonly number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * Medians of warm runs of a and b, taken in turns (a, b, a, b, …) so both sides see the same moments of a shared,
 * busy machine rather than one side its quiet half-minute and the other its loaded one. `warm` untimed pairs first.
 * `prepareA` runs untimed before each run of a, and so before the b that follows it (bench:alerts: the next minute).
 */
export async function timePair(a: () => Promise<unknown>, b: () => Promise<unknown>, runs: number, warm: number, prepareA?: () => void): Promise<[number, number]> {
  for (let i = 0; i < warm; i++) { prepareA?.(); await a(); await b(); }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    prepareA?.();
    let t = performance.now();
    await a();
    ta.push(performance.now() - t);
    t = performance.now();
    await b();
    tb.push(performance.now() - t);
  }
  return [median(ta), median(tb)];
}
