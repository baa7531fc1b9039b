// Policies.
import type { UpdatePolicy } from '../meta';
import { KustoUserError, text as asText } from '../types';
import type { Command } from './command';
import { cslSchema, policyTable } from './rows';
import { NAME, readString, table, unname } from './syntax';

export const POLICIES_COMMANDS: Command[] = [
  {
    pattern: new RegExp(`^\\.alter(?:-merge)?\\s+table\\s+(${NAME})\\s+policy\\s+update\\s+([\\s\\S]+)$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const t = ctx.engine.table(db, unname(m[1]));
      const lit = readString(m[2]);
      if (!lit) throw new KustoUserError('Syntax', "Expected the update policy as a string literal, e.g. @'[{\"IsEnabled\": true, \"Source\": \"Raw\", \"Query\": \"Raw | ...\"}]'.");
      let raw: unknown;
      try { raw = JSON.parse(lit.value); } catch (e) { throw new KustoUserError('BadRequest', `The update policy is not valid JSON: ${e instanceof Error ? e.message : String(e)}`); }
      if (!Array.isArray(raw)) throw new KustoUserError('BadRequest', 'The update policy must be a JSON array.');
      const policies: UpdatePolicy[] = raw.map((p: Record<string, unknown>) => ({
        IsEnabled: p.IsEnabled !== false, Source: asText(p.Source), Query: asText(p.Query), IsTransactional: Boolean(p.IsTransactional), PropagateIngestionProperties: Boolean(p.PropagateIngestionProperties),
      }));
      for (const p of policies) {
        ctx.engine.table(db, p.Source);
        const tr = ctx.engine.translate(db.name, p.Query);
        if (tr.columns.length !== t.columns.length) throw new KustoUserError('BadRequest', `The update policy query returns ${tr.columns.length} columns (${tr.columns.map((c) => `${c.name}:${c.type}`).join(', ')}) but table '${t.name}' has ${t.columns.length} (${cslSchema(t)}).`);
      }
      await ctx.engine.write(async () => { t.updatePolicies = policies; await ctx.engine.saveCatalog(db); });
      return policyTable(db, t, 'UpdatePolicy', JSON.stringify(policies));
    },
  },
  {
    pattern: new RegExp(`^\\.show\\s+table\\s+(${NAME})\\s+policy\\s+update\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const t = ctx.engine.table(db, unname(m[1]));
      return policyTable(db, t, 'UpdatePolicy', JSON.stringify(t.updatePolicies));
    },
  },
  {
    pattern: new RegExp(`^\\.alter\\s+table\\s+(${NAME})\\s+policy\\s+streamingingestion\\s+([\\s\\S]+)$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const t = ctx.engine.table(db, unname(m[1]));
      const arg = m[2].trim();
      const enable = !/^disable$/i.test(arg);
      await ctx.engine.write(async () => { t.streamingIngestion = enable; await ctx.engine.saveCatalog(db); });
      return policyTable(db, t, 'StreamingIngestionPolicy', JSON.stringify({ IsEnabled: enable, HintAllocatedRate: null }));
    },
  },
  {
    pattern: /^\.alter\s+database\s+\S+\s+policy\s+streamingingestion\s+/i,
    run: async (_m, ctx) => {
      const db = ctx.db();
      return table([['PolicyName', 'string'], ['EntityName', 'string'], ['Policy', 'string'], ['ChildEntities', 'string'], ['EntityType', 'string']], [['StreamingIngestionPolicy', `[${db.name}]`, JSON.stringify({ IsEnabled: true, HintAllocatedRate: null }), '[]', 'Database']]);
    },
  },
];
