// Policies: update policies (run on ingestion, see Engine.ingest) and the others, kept per table or database and
// shown back; which of those the local Eventhouse enforces is said at each kind.
import type { DbMeta, ResultTable, TableMeta, UpdatePolicy } from '../meta';
import { KustoUserError, text as asText } from '../types';
import type { Command, CommandContext } from './command';
import { cslSchema } from './rows';
import { KIND_NAMES, KINDS } from './policyKinds';
import { NAME, readString, table, unname } from './syntax';

/** The table or database a policy command names, and the database it is in. */
function policyEntity(ctx: CommandContext, what: string, name: string): { db: DbMeta; entity: DbMeta | TableMeta } {
  if (what.toLowerCase() === 'database') {
    const db = ctx.engine.db(unname(name));
    return { db, entity: db };
  }
  const db = ctx.db();
  return { db, entity: ctx.engine.table(db, unname(name)) };
}

/** A policy as the service shows it: one row, the policy as JSON text ('null' when there is none). */
function policyRows(db: DbMeta, entity: DbMeta | TableMeta, name: string, policy: unknown): ResultTable {
  const isDb = entity === db;
  return table([['PolicyName', 'string'], ['EntityName', 'string'], ['Policy', 'string'], ['ChildEntities', 'string'], ['EntityType', 'string']],
    [[name, isDb ? `[${db.name}]` : `[${db.name}].[${entity.name}]`, JSON.stringify(policy ?? null), isDb ? JSON.stringify(db.tables.map((t) => t.name)) : '[]', isDb ? 'Database' : 'Table']]);
}

/** The kept policy of a kind, as the service shows it. */
function keptPolicy(db: DbMeta, entity: DbMeta | TableMeta, kind: string): ResultTable {
  return policyRows(db, entity, KINDS[kind].name, entity.policies?.[kind]);
}

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
        const tr = await ctx.engine.translate(db.name, p.Query);
        if (tr.columns.length !== t.columns.length) throw new KustoUserError('BadRequest', `The update policy query returns ${tr.columns.length} columns (${tr.columns.map((c) => `${c.name}:${c.type}`).join(', ')}) but table '${t.name}' has ${t.columns.length} (${cslSchema(t)}).`);
      }
      await ctx.engine.write(async () => { t.updatePolicies = policies; await ctx.engine.saveCatalog(db); });
      return policyRows(db, t, 'UpdatePolicy', policies);
    },
  },
  {
    pattern: new RegExp(`^\\.show\\s+table\\s+(${NAME})\\s+policy\\s+update\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const t = ctx.engine.table(db, unname(m[1]));
      return policyRows(db, t, 'UpdatePolicy', t.updatePolicies);
    },
  },
  {
    pattern: new RegExp(`^\\.(alter|alter-merge)\\s+(table|database)\\s+(${NAME})\\s+policy\\s+(${KIND_NAMES})\\s+([\\s\\S]+)$`, 'i'),
    run: async (m, ctx) => {
      const { db, entity } = policyEntity(ctx, m[2], m[3]);
      const kind = m[4].toLowerCase();
      const parse = KINDS[kind].parse;
      if (!parse) throw new KustoUserError('Unsupported', `The local Eventhouse does not set the ${kind} policy: it has nothing that policy would govern. It shows it (as null); see docs/local-eventhouse.md for the policies it keeps.`);
      const policy = parse(m[5].trim(), m[1].toLowerCase() === 'alter-merge' ? entity.policies?.[kind] : undefined);
      await ctx.engine.write(async () => {
        entity.policies = { ...entity.policies, [kind]: policy };
        await ctx.engine.saveCatalog(db);
      });
      return keptPolicy(db, entity, kind);
    },
  },
  {
    pattern: new RegExp(`^\\.delete\\s+(table|database)\\s+(${NAME})\\s+policy\\s+(${KIND_NAMES})\\s*$`, 'i'),
    run: async (m, ctx) => {
      const { db, entity } = policyEntity(ctx, m[1], m[2]);
      const kind = m[3].toLowerCase();
      await ctx.engine.write(async () => {
        if (entity.policies) delete entity.policies[kind];
        await ctx.engine.saveCatalog(db);
      });
      return keptPolicy(db, entity, kind);
    },
  },
  {
    pattern: new RegExp(`^\\.show\\s+(table|database)\\s+(${NAME})\\s+policy\\s+(${KIND_NAMES})\\s*$`, 'i'),
    run: async (m, ctx) => {
      const { db, entity } = policyEntity(ctx, m[1], m[2]);
      return keptPolicy(db, entity, m[3].toLowerCase());
    },
  },
];
