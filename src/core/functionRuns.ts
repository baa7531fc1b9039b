// Words for a function run's result, shared by the tree rows and the messages after "Run Ingest Function Now".
import type { FunctionProblem, FunctionRunResult } from '../protocol/controlApi';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const plural = (n: number, word: string, words = `${word}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? word : words}`;

/** "240 records fetched · 240 events sent · 3 pages · 0 retries". */
export function runCounts(r: FunctionRunResult, separator = ' · '): string {
  return [
    `${plural(r.recordsFetched, 'record')} fetched`, `${plural(r.eventsSent, 'event')} sent`, plural(r.pages, 'page'), plural(r.retries, 'retry', 'retries'),
    ...(r.recordsSkipped ? [`${plural(r.recordsSkipped, 'record')} skipped (over 1 MiB)`] : []),
  ].join(separator);
}

/** "src/functions/ingest.ts:12:5", when the problem points into the project. */
export function problemPlace(p: FunctionProblem): string | undefined {
  return p.file ? `${p.file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ''}` : ''}` : undefined;
}

/** One sentence for a run: what it did, or what went wrong and where. */
export function describeRun(name: string, r: FunctionRunResult): string {
  if (r.status === 'succeeded') return `"${name}" succeeded in ${formatDuration(r.durationMs)}: ${runCounts(r, ', ')}.`;
  const verb = r.status === 'timedOut' ? 'timed out' : r.status;
  const place = r.error ? problemPlace(r.error) : undefined;
  const counts = r.recordsFetched || r.eventsSent ? ` (before that: ${runCounts(r, ', ')})` : '';
  return `"${name}" ${verb} after ${formatDuration(r.durationMs)}: ${r.error?.message ?? 'no reason given'}${place ? ` (${place})` : ''}${counts}`;
}

/** The Key Vault secret a failed run's message names, so the message can offer to set it. */
export function secretNamedBy(message: string | undefined): string | undefined {
  return message ? /Key Vault secret "([0-9A-Za-z-]{1,127})"/.exec(message)?.[1] : undefined;
}
