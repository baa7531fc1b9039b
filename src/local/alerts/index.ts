// The alert runner as a part of the local pipeline: the config file's `alerts[]`, evaluated on their intervals
// against the local Eventhouse, mailed through the local SMTP server, listed and evaluated on demand on the
// control API.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlertRuleError, normalizeAlert, type AlertRule } from '../../core/alerts/rule';
import type { Alert } from '../../core/manifest';
import { ConfigError, loadLocalConfig } from '../config';
import { ControlError, type ControlServer } from '../control';
import type { Engine } from '../eventhouse/engine';
import type { ServiceContext, StartedService } from '../service';
import type { AlertEvaluation, AlertList } from '../../protocol/controlApi';
import { localRoute, mailRouteFor, type MailRoute, type VaultAccess } from './mail';
import { AlertRunner, type BrokenRule } from './runner';
import { AlertStore } from './store';

export interface AlertDeps {
  engine: Engine;
  database: string;
  /** The local SMTP server: where email goes unless the local profile names an smtpRelay. */
  smtp: { host: string; port: number; user: string; pass: string };
  /** The local Key Vault, which holds the relay's password. */
  vault: VaultAccess;
}

/** The config's alerts; an entry that can't run is kept as a broken one (the others still run). */
function configured(ctx: ServiceContext): { rules: AlertRule[]; broken: BrokenRule[]; config?: Record<string, unknown> } {
  if (!ctx.configPath) return { rules: [], broken: [] };
  const config = loadLocalConfig(ctx.configPath).raw;
  const raw = config.alerts;
  if (raw === undefined) return { rules: [], broken: [], config };
  if (!Array.isArray(raw)) throw new ConfigError(`${ctx.configPath}: alerts must be an array.`);
  const rules: AlertRule[] = [];
  const broken: BrokenRule[] = [];
  raw.forEach((a: unknown, i) => {
    const name = typeof (a as { name?: unknown } | null)?.name === 'string' ? (a as { name: string }).name : `alert-${i + 1}`;
    try {
      if (typeof a !== 'object' || a === null || Array.isArray(a)) throw new AlertRuleError(['alerts', i], `Alert ${i + 1} must be an object with a name.`);
      const rule = normalizeAlert({ ...(a as Alert), name }, i);
      if (rules.some((r) => r.name.toLowerCase() === name.toLowerCase())) throw new AlertRuleError(['alerts', i, 'name'], `Alert "${name}": the name is used twice; alert names must be unique.`);
      rules.push(rule);
    } catch (e) {
      if (!(e instanceof AlertRuleError)) throw e;
      broken.push({ name, message: `${ctx.configPath}: alerts[${i}]: ${e.message}` });
    }
  });
  return { rules, broken, config };
}

function registerRoutes(control: ControlServer, runner: AlertRunner): void {
  const find = (name: string) => {
    const r = runner.find(name);
    if (!r) {
      const broken = runner.broken.find((b) => b.name.toLowerCase() === name.toLowerCase());
      if (broken) throw new ControlError(400, `Alert "${name}" cannot run: ${broken.message}`);
      throw new ControlError(404, `Alert "${name}" does not exist. GET /api/alerts lists them.`);
    }
    return r;
  };
  control.route('GET', /^\/api\/alerts\/?$/, () => ({ status: 200, body: { alerts: runner.list(), outbox: runner.outbox() } satisfies AlertList }));
  control.route('GET', /^\/api\/alerts\/([^/]+)\/?$/, (_req, [name]) => ({ status: 200, body: runner.info(find(name)) }));
  control.route('POST', /^\/api\/alerts\/([^/]+)\/evaluate\/?$/, async (_req, [name]) => {
    const rule = find(name);
    // Disabled rules can still be evaluated by hand: that is how one tries a rule before enabling it.
    const firings = await runner.evaluate(rule);
    await runner.drain(true);
    return { status: 200, body: { alert: runner.info(rule), firings, outbox: runner.outbox() } satisfies AlertEvaluation };
  });
}

export async function startAlertRunner(ctx: ServiceContext, deps: AlertDeps): Promise<StartedService<undefined> & { runner: AlertRunner }> {
  const { rules, broken, config: raw } = configured(ctx);
  const store = new AlertStore(path.join(ctx.dataDir, 'alerts', 'state.json'), (m) => ctx.log(m));
  const local = localRoute(deps.smtp);
  const routeOf = (c: Record<string, unknown> | undefined) => mailRouteFor(c, ctx.configPath, local, deps.vault);
  const describeRoute = (route: MailRoute) => ctx.log(`alerts: email goes to ${route.description}${route.relay ? '; the local SMTP server keeps taking mail for the mailbox' : ''}`);
  const route = routeOf(raw);
  const runner = new AlertRunner(rules, broken, { engine: deps.engine, database: deps.database, mail: route, store, log: (m) => ctx.log(m) });
  if (route.relay) describeRoute(route);
  registerRoutes(ctx.control, runner);
  const describe = (rs: readonly AlertRule[], bs: readonly BrokenRule[]) => {
    for (const b of bs) ctx.log(`alerts: ${b.message}`);
    if (rs.length) ctx.log(`alerts: ${rs.map((r) => `${r.name} (${r.enabled ? `every ${r.source.everyMs / 1000}s` : 'disabled'}${r.muted ? ', muted' : ''})`).join(', ')}`);
  };
  describe(rules, broken);
  runner.start();
  // A rule written in the alert editor, muted from the tree or edited as JSON runs without a restart. A file caught
  // mid-save (not JSON yet) keeps the rules that run; the next save brings the new ones.
  const reload = () => {
    try {
      const next = configured(ctx);
      runner.reload(next.rules, next.broken);
      describe(next.rules, next.broken);
      const nextRoute = routeOf(next.config);
      if (nextRoute.key !== runner.mailRoute.key) {
        runner.setMail(nextRoute);
        describeRoute(nextRoute);
      }
    } catch (e) {
      ctx.log(`alerts: ${e instanceof Error ? e.message : String(e)} (the rules that were running keep running)`);
      if (!(e instanceof ConfigError)) throw e;
    }
  };
  ctx.control.route('POST', /^\/api\/alerts\/reload\/?$/, () => { reload(); return { status: 200, body: { alerts: runner.list(), outbox: runner.outbox() } satisfies AlertList }; });
  const config = ctx.configPath;
  // Polling, not fs.watch: editors replace the file on save, which ends an inotify watch on the old one.
  const onChange = (cur: fs.Stats, prev: fs.Stats) => { if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) { try { reload(); } catch { /* logged */ } } };
  if (config) fs.watchFile(config, { interval: 500 }, onChange);
  return {
    ready: undefined,
    runner,
    stop: () => {
      if (config) fs.unwatchFile(config, onChange);
      return runner.stop();
    },
  };
}
