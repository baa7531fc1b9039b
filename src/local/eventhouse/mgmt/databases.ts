// Databases, the version and query cancellation: the commands that need no current database.
import { KustoUserError } from '../types';
import type { Command } from './command';
import { readString, table, unname, uuidFor } from './syntax';

export const DATABASES_COMMANDS: Command[] = [
  {
    pattern: /^\.show\s+version\s*$/i,
    run: async () => {
      return table([['BuildVersion', 'string'], ['BuildTime', 'datetime'], ['ServiceType', 'string'], ['ProductVersion', 'string']], [['1.0.0.0', '2026-01-01T00:00:00.0000000Z', 'Engine', 'eventline-local']]);
    },
  },
  {
    pattern: /^\.show\s+databases\s*$/i,
    run: async (_m, ctx) => {
      return table([['DatabaseName', 'string'], ['PersistentStorage', 'string'], ['Version', 'string'], ['IsCurrent', 'bool'], ['DatabaseAccessMode', 'string'], ['PrettyName', 'string'], ['ReservedSlot1', 'bool'], ['DatabaseId', 'guid']],
        ctx.engine.databases().map((d) => [d.name, 'eventhouse.duckdb', 'v1.0', d.name === ctx.engine.db(ctx.dbName).name, 'ReadWrite', '', false, uuidFor(d.name)]));
    },
  },
  {
    pattern: /^\.create\s+database\s+(\S+)(?:\s+(persist|volatile)\b[\s\S]*)?$/i,
    run: async (m, ctx) => {
      // Every database lives in the one DuckDB file; one that claims to vanish on restart would not.
      if (m[2]?.toLowerCase() === 'volatile') throw new KustoUserError('Unsupported', `The local Eventhouse keeps every database in its file, so it does not create volatile (in-memory) databases; use '.create database ${m[1]} persist' and drop it when done.`);
      const d = await ctx.engine.write(() => ctx.engine.createDatabase(unname(m[1]), true));
      return table([['DatabaseName', 'string'], ['PersistentStorage', 'string'], ['Version', 'string'], ['IsCurrent', 'bool'], ['DatabaseAccessMode', 'string'], ['PrettyName', 'string'], ['DatabaseId', 'guid']],
        [[d.name, 'eventhouse.duckdb', 'v1.0', false, 'ReadWrite', '', uuidFor(d.name)]]);
    },
  },
  {
    pattern: /^\.cancel\s+query\s+(.+?)(?:\s+with\s*\(.*\))?\s*$/i,
    run: async (m, ctx) => {
      const id = readString(m[1])?.value ?? m[1].trim();
      const ok = ctx.engine.cancel(id);
      return table([['RunningQueryCanceled', 'bool'], ['ReasonPhrase', 'string']], [[ok, ok ? '' : `No running query with client request id '${id}'.`]]);
    },
  },
];
