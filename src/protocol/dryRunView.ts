// Messages between the Dry Run panel (src/alertsFabric/dryRunPanel.ts) and its webview (src/webviews/dryRun).
// Everything in a message is data: the webview puts text into the page with textContent only.

export interface DryRunViewSeries {
  object: string;
  /** [event time ms, value]; null where the value is not a number. */
  points: [number, number | null][];
  fired: number[];
}

export interface DryRunViewEmail { object: string; time: number; reason: string; to: string[]; cc: string[]; subject: string; text: string }

export interface DryRunView {
  rule: string;
  /** The condition in words, e.g. "average of Temperature becomes greater than 30". */
  condition: string;
  database: string;
  from: number;
  to: number;
  windowMs?: number;
  rows: number;
  firings: number;
  suppressed: number;
  queryMs: number;
  series: DryRunViewSeries[];
  thresholds: number[];
  emails: DryRunViewEmail[];
  /** Recipients of the rule's Teams message: posted only by Fabric Activator, so the dry run names them, no more. */
  teams?: string[];
  /** Emails beyond those listed (the view lists the first ones). */
  moreEmails: number;
  warnings: string[];
}

export type DryRunToView = { type: 'result'; view: DryRunView };
export type DryRunFromView = { type: 'ready' } | { type: 'rendered'; objects: number; points: number; markers: number; emails: number; charts: number };
