// A management command: the pattern that recognises its text and what it does.
import type { Engine } from '../engine';
import type { DbMeta, ResultTable } from '../meta';

export interface CommandContext {
  engine: Engine;
  /** The request's database name, as sent. */
  dbName: string;
  /** The command text, trimmed. */
  csl: string;
  /** The request's database; NotFound when it does not exist. */
  db(): DbMeta;
}

export interface Command {
  pattern: RegExp;
  run(m: RegExpExecArray, c: CommandContext): Promise<ResultTable>;
}
