import type { PartitionLine } from '../../protocol/tailProtocol';

export interface StatusParts {
  /** `hub · consumer group · from start`; empty until the panel's init message. */
  header: string;
  state: string;
  detail?: string;
  partitions: readonly PartitionLine[];
  paused: boolean;
  total: number;
  dropped: number;
  capacity: number;
  /** Rows matching a filter, when one is set. */
  matches?: number;
}

/**
 * The panel's status line, segments joined with ` · `. A segment with nothing to say (no header before init, no
 * partition that has received anything yet) is left out rather than shown empty (`live ·  · 0 received`).
 */
export function statusLine(p: StatusParts): string {
  const partitions = p.partitions.map((s) => `p${s.partitionId}: ${s.received} (${s.rate.toFixed(0)}/s, lag ${s.lag})`).join(' ');
  return [
    p.header,
    `${p.state}${p.detail ? ` (${p.detail})` : ''}`,
    partitions,
    p.paused ? 'paused' : '',
    `${p.total} received`,
    p.dropped ? `${p.dropped} older dropped from view (buffer ${p.capacity})` : '',
    p.matches !== undefined ? `${p.matches} match` : '',
  ].filter((s) => s !== '').join(' · ');
}
