// Management commands (text starting with '.'), each answered with one v1 table shaped as the service's. Each
// command is an entry {pattern, run} in one of the tables below; the first whose pattern matches runs.
import type { Engine } from '../engine';
import type { ResultTable } from '../meta';
import { KustoUserError } from '../types';
import { CLUSTER_COMMANDS } from './cluster';
import type { Command, CommandContext } from './command';
import { DATABASES_COMMANDS } from './databases';
import { FAILURES_COMMANDS } from './failures';
import { FUNCTIONS_COMMANDS } from './functions';
import { INGESTION_COMMANDS } from './ingestion';
import { POLICIES_COMMANDS } from './policies';
import { asDatatable, topLevelPipe } from './syntax';
import { TABLES_COMMANDS } from './tables';

const COMMANDS: Command[] = [...DATABASES_COMMANDS, ...CLUSTER_COMMANDS, ...TABLES_COMMANDS, ...FUNCTIONS_COMMANDS, ...INGESTION_COMMANDS, ...POLICIES_COMMANDS, ...FAILURES_COMMANDS];

export async function runCommand(engine: Engine, dbName: string, text: string): Promise<ResultTable> {
  const csl = text.trim();

  // `.show tables details | where TotalRowCount > 0 | project TableName`: the command's table, then the query.
  const pipe = /^\.show\b/i.test(csl) ? topLevelPipe(csl) : -1;
  if (pipe > 0) {
    const shown = await runCommand(engine, dbName, csl.slice(0, pipe));
    try {
      return (await engine.query(dbName, `${asDatatable(shown)}\n${csl.slice(pipe)}`, { notruncation: true })).table;
    } catch (e) {
      // Positions in the query part (line 2 onwards of what ran) → positions in the command as the user wrote it.
      if (!(e instanceof KustoUserError) || !e.position || e.position.line < 2) throw e;
      const before = csl.slice(0, pipe).split('\n');
      const line = before.length + e.position.line - 2;
      const column = e.position.line === 2 ? before[before.length - 1].length + e.position.column : e.position.column;
      throw new KustoUserError(e.kind, e.message.replace(/\[line:position=\d+:\d+\]/, `[line:position=${line}:${column}]`), { line, column });
    }
  }

  const c: CommandContext = { engine, dbName, csl, db: () => engine.db(dbName) };
  for (const command of COMMANDS) {
    const m = command.pattern.exec(csl);
    if (m) return command.run(m, c);
  }
  const verb = /^\.[\w-]+(\s+[\w-]+){0,2}/.exec(csl)?.[0] ?? csl.slice(0, 30);
  throw new KustoUserError('Unsupported', `The local Eventhouse does not support the management command '${verb}'. See docs/local-eventhouse.md for the supported commands.`);
}
