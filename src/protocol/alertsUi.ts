// Messages between the extension and the alert editor and mailbox webviews (src/webviews/alertEditor, mailbox).
// The editor works on a draft: the form's fields as text, keyed by their path in the manifest's alert object, so a
// validation message (which names that path) lands at its field. core/alerts/alertDraft.ts turns a draft into the
// manifest's shape and back.
import type { MailMessage } from './controlApi';

/** Every field of the editor; values are what the user typed (numbers and lists stay text until validated). */
export interface AlertDraft {
  name: string;
  'source.query': string;
  'source.every': string;
  'source.eventTimeColumn': string;
  'source.delay': string;
  object: string;
  'property.column': string;
  /** '' for the column's own value. */
  'property.aggregation': '' | 'average' | 'min' | 'max' | 'sum' | 'count';
  'property.window': string;
  'condition.kind': string;
  'condition.op': string;
  'condition.value': string;
  'condition.low': string;
  'condition.high': string;
  'condition.includeLow': boolean;
  'condition.includeHigh': boolean;
  'condition.from': string;
  'condition.to': string;
  'condition.by': string;
  'condition.percent': boolean;
  'condition.ignoreCase': boolean;
  'condition.duration': string;
  'options.kind': 'everyTime' | 'staysFor' | 'times';
  'options.staysFor': string;
  'options.times': string;
  'options.within': string;
  /** Addresses separated by commas. */
  'action.email.to': string;
  'action.email.cc': string;
  'action.email.subject': string;
  'action.email.headline': string;
  'action.email.message': string;
  /** Column names separated by commas. */
  'action.email.fields': string;
  /** A Teams message (posted by Fabric Activator once deployed): addresses, text, columns, as for email. */
  'action.teams.to': string;
  'action.teams.headline': string;
  'action.teams.message': string;
  'action.teams.fields': string;
  enabled: boolean;
  muted: boolean;
  cooldown: string;
}

export type DraftField = keyof AlertDraft;

/** A problem with the draft: the field it belongs to ('' when it is about the rule as a whole). */
export interface DraftIssue { field: DraftField | ''; message: string; severity: 'error' | 'warning' }

/** Where the query is checked against the live schema, and what came of it. */
export interface SchemaCheck {
  state: 'checking' | 'ok' | 'problems' | 'unavailable';
  /** The database the query ran against ("NetDefaultDB (local pipeline)"). */
  target?: string;
  /** The query's result columns with their types, when the query ran. */
  columns?: { name: string; type: string }[];
  issues: DraftIssue[];
  /** Shown with `unavailable`: e.g. the local pipeline is not running. */
  message?: string;
  /** The check can be made once the local pipeline runs. */
  canStartLocal?: boolean;
}

export type EditorToHost =
  | { type: 'ready' }
  | { type: 'change'; draft: AlertDraft }
  | { type: 'checkQuery'; draft: AlertDraft }
  | { type: 'startLocal' }
  | { type: 'save'; draft: AlertDraft }
  | { type: 'cancel' };

export type HostToEditor =
  | { type: 'init'; draft: AlertDraft; isNew: boolean; conditionKinds: string[] }
  | { type: 'validation'; issues: DraftIssue[] }
  | { type: 'schema'; check: SchemaCheck }
  | { type: 'saved'; name: string }
  | { type: 'saveFailed'; message: string };

/** A row of the mailbox list (bodies come on selection). */
export interface MailSummary { id: string; from: string; to: string[]; subject: string; date: string; rule?: string }

export type MailboxToHost = { type: 'ready' } | { type: 'refresh' } | { type: 'select'; id: string } | { type: 'startLocal' };

export type HostToMailbox =
  | { type: 'list'; messages: MailSummary[]; error?: string; canStartLocal?: boolean }
  | { type: 'message'; message: Pick<MailMessage, 'id' | 'from' | 'to' | 'cc' | 'subject' | 'date' | 'receivedAt' | 'text' | 'html'> };
