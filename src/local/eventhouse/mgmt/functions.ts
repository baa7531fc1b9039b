// Stored functions.
import { KustoUserError } from '../types';
import type { Command } from './command';
import { functionRow } from './rows';
import { NAME, table, unname, withProps } from './syntax';

export const FUNCTIONS_COMMANDS: Command[] = [
  {
    pattern: /^\.show\s+functions\s*$/i,
    run: async (_m, ctx) => {
      const db = ctx.db();
      return table([['Name', 'string'], ['Parameters', 'string'], ['Body', 'string'], ['Folder', 'string'], ['DocString', 'string']], db.functions.map(functionRow));
    },
  },
  {
    pattern: new RegExp(`^\\.show\\s+function\\s+(${NAME})\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const f = db.functions.find((x) => x.name === unname(m[1]));
      if (!f) throw new KustoUserError('NotFound', `Function '${unname(m[1])}' was not found in database '${db.name}'.`);
      return table([['Name', 'string'], ['Parameters', 'string'], ['Body', 'string'], ['Folder', 'string'], ['DocString', 'string']], [functionRow(f)]);
    },
  },
  {
    // The parameter list may hold one level of parentheses: a tabular parameter's columns, dynamic(null).
    pattern: new RegExp(`^\\.(create-or-alter|create|alter)\\s+function\\s*(?:with\\s*\\(([^)]*)\\))?\\s*(${NAME})\\s*(\\((?:[^()]|\\([^()]*\\))*\\))\\s*(\\{[\\s\\S]*\\})\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const verb = m[1].toLowerCase();
      const props = withProps(m[2]);
      const name = unname(m[3]);
      const f = { name, parameters: m[4], body: m[5], folder: props.get('folder') ?? '', docString: props.get('docstring') ?? '' };
      await ctx.engine.write(async () => {
        const i = db.functions.findIndex((x) => x.name === name);
        if (i >= 0 && verb === 'create') throw new KustoUserError('BadRequest', `Function '${name}' already exists; use '.create-or-alter function'.`);
        if (i < 0 && verb === 'alter') throw new KustoUserError('NotFound', `Function '${name}' was not found.`);
        const prior = db.functions.slice();
        if (i >= 0) db.functions[i] = f; else db.functions.push(f);
        ctx.engine.schemaChanged();
        // Validate the body against the live schema now rather than at first call.
        try {
          const params = f.parameters.replace(/^\(|\)$/g, '').trim();
          if (!params) await ctx.engine.translate(db.name, name);
        } catch (e) {
          db.functions = prior;
          ctx.engine.schemaChanged();
          throw e;
        }
        await ctx.engine.saveCatalog(db);
      });
      return table([['Name', 'string'], ['Parameters', 'string'], ['Body', 'string'], ['Folder', 'string'], ['DocString', 'string']], [functionRow(f)]);
    },
  },
  {
    pattern: new RegExp(`^\\.drop\\s+function\\s+(${NAME})(\\s+ifexists)?\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const name = unname(m[1]);
      await ctx.engine.write(async () => {
        if (!db.functions.some((x) => x.name === name) && !m[2]) throw new KustoUserError('NotFound', `Function '${name}' was not found.`);
        db.functions = db.functions.filter((x) => x.name !== name);
        await ctx.engine.saveCatalog(db);
      });
      return table([['Name', 'string']], [[name]]);
    },
  },
];
