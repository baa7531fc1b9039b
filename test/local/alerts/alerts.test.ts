// The alert runner in the real local pipeline: rows ingested through azure-kusto-data (.ingest inline), the runner
// evaluates the rule against the local Eventhouse, the email goes over SMTP (nodemailer) to the local SMTP server
// and is read back through GET /api/mail; each firing is also a row in EventlineAlerts. Plus the bad cases: a query
// that fails, a rule that cannot run, SMTP down (outbox, retried), and a restart in the middle of a "stays for".
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTransport } from 'nodemailer';
import { ALERT_PATHS, type AlertEvaluation, type AlertInfo, type AlertList, type MailMessage, type SmtpStatus } from '../../../src/protocol/controlApi';
import { envFor, waitFor, writeConfig, type Env } from '../connector/helpers';
import { startLocalPipeline, tempDataDir } from '../pipeline';

const KEY = 'SAS_KEY_VALUE';
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
const windowed = (table: string) => `${table} | where Timestamp between (startTime .. endTime)`;

async function start(config: Record<string, unknown>, dataDir?: string): Promise<{ env: Env; dataDir: string; kill(): Promise<void>; logs(): string }> {
  const dir = dataDir ? path.dirname(dataDir) : tempDataDir('eventline-alerts-');
  const file = writeConfig(dir, config);
  const data = dataDir ?? path.join(dir, 'data');
  const pipeline = await startLocalPipeline({ dataDir: data, args: ['--config', file] });
  return { env: envFor(pipeline), dataDir: data, kill: () => pipeline.kill(), logs: () => pipeline.logs() };
}

async function alerts(env: Env): Promise<AlertList> {
  const r = await env.control('GET', ALERT_PATHS.alerts);
  assert.equal(r.status, 200);
  return r.body as AlertList;
}
const alert = async (env: Env, name: string): Promise<AlertInfo> => (await alerts(env)).alerts.find((a) => a.name === name)!;
async function evaluate(env: Env, name: string): Promise<AlertEvaluation> {
  const r = await env.control('POST', ALERT_PATHS.alertEvaluate(name));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as AlertEvaluation;
}
const mail = async (env: Env): Promise<MailMessage[]> => ((await env.control('GET', ALERT_PATHS.mail)).body as { messages: MailMessage[] }).messages;
const mailFor = async (env: Env, rule: string) => (await mail(env)).filter((m) => m.headers['x-eventline-rule'] === rule);
const readings = (table: string, rows: [number, string, number][]) => `.ingest inline into table ${table} <|\n${rows.map(([ago, site, v]) => `${iso(ago)},${site},${v}`).join('\n')}`;

describe('alerts in the local pipeline', function () {
  this.timeout(120_000);
  let env: Env;
  const config = {
    alerts: [
      {
        name: 'hot', source: { query: windowed('Hot'), every: '1h', eventTimeColumn: 'Timestamp' }, object: 'Site', property: 'Value',
        condition: { kind: 'becomes', op: 'greaterThan', value: 30 },
        action: { email: { to: ['ops@contoso.com'], cc: ['lead@contoso.com'], subject: 'Hot: {object} at {value}', headline: '{object} is too hot', message: 'Site {Site} reads {value} (was {previous}).', fields: ['Site', 'Value'] } },
      },
      { name: 'auto', source: { query: windowed('Auto'), every: '1s', eventTimeColumn: 'Timestamp', delay: '3s' }, property: 'Value', condition: { kind: 'is', op: 'greaterThan', value: 0 }, action: { email: { to: ['auto@contoso.com'] } } },
      { name: 'bad-query', source: { query: 'Hot\n| where Nope > 1', every: '1h' }, condition: { kind: 'everyValue' } },
      { name: 'bad-duration', source: { query: 'Hot', every: '5x' }, condition: { kind: 'everyValue' } },
      { name: 'older', query: 'Hot | where Value > 100', every: '1h', email: ['old@contoso.com'] },
      { name: 'quiet', source: { query: windowed('Quiet'), every: '1h', eventTimeColumn: 'Timestamp' }, condition: { kind: 'noDataFor', duration: '1s' }, action: { email: { to: ['quiet@contoso.com'], subject: 'No data from {rule}' } } },
      { name: 'hushed', muted: true, source: { query: windowed('Hot'), every: '1h', eventTimeColumn: 'Timestamp' }, property: 'Value', condition: { kind: 'is', op: 'greaterThan', value: 0 }, action: { email: { to: ['hushed@contoso.com'] } } },
      { name: 'texty', source: { query: windowed('Hot'), every: '1h', eventTimeColumn: 'Timestamp' }, property: 'Site', condition: { kind: 'is', op: 'greaterThan', value: 1 } },
      {
        name: 'inject', source: { query: "print Site = strcat('<b>A</b>', '\\r\\n', 'Bcc: evil@example.com'), Value = 1", every: '1h' }, object: 'Site', condition: { kind: 'everyValue' },
        action: { email: { to: ['ops@contoso.com'], subject: 'Site {Site}', message: 'Site {Site}', fields: ['Site'] } },
      },
      { name: 'down', source: { query: windowed('Down'), every: '1h', eventTimeColumn: 'Timestamp' }, property: 'Value', condition: { kind: 'is', op: 'greaterThan', value: 0 }, action: { email: { to: ['down@contoso.com'] } } },
    ],
  };

  before(async () => {
    ({ env } = await start(config));
    for (const t of ['Hot', 'Auto', 'Down', 'Quiet']) await env.mgmt(`.create table ${t} (Timestamp:datetime, Site:string, Value:real)`);
  });
  after(async () => { await env?.close(); });

  it('puts the SMTP server on the ready line', () => {
    const smtp = env.pipeline.ready.smtp as { host: string; port: number; user: string };
    assert.equal(smtp.host, '127.0.0.1');
    assert.ok(smtp.port > 0);
    assert.equal(smtp.user, 'RootManageSharedAccessKey');
  });

  it('fires when the property becomes greater than the threshold, and the email arrives with its headers and body', async () => {
    await env.mgmt(readings('Hot', [[30_000, 'A', 20], [20_000, 'A', 35.5], [20_000, 'B', 10], [10_000, 'B', 12]]));
    const r = await evaluate(env, 'hot');
    assert.equal(r.firings, 1, JSON.stringify(r));
    assert.equal(r.alert.state, 'firing');
    assert.equal(r.alert.firingObjects, 1);
    assert.ok(r.alert.lastFired && r.alert.lastEvaluated);
    assert.equal(r.outbox.pending, 0);
    const [m] = await waitFor('the email of "hot"', async () => { const l = await mailFor(env, 'hot'); return l.length ? l : undefined; });
    assert.equal(m.subject, 'Hot: A at 35.5');
    assert.deepEqual(m.to, ['ops@contoso.com']);
    assert.deepEqual(m.cc, ['lead@contoso.com']);
    assert.deepEqual(m.envelope.to.sort(), ['lead@contoso.com', 'ops@contoso.com']);
    assert.equal(m.from, 'alerts@eventline.local');
    assert.equal(m.headers['x-eventline-object'], 'A');
    assert.match(m.messageId ?? '', /@eventline\.local>$/);
    assert.match(m.text, /^A is too hot\n\nSite A reads 35.5 \(was 20\)\./);
    assert.match(m.text, /Condition: Value becomes greater than 30 \(20 → 35.5\)/);
    assert.match(m.text, /\nSite: A\nValue: 35.5/);
    assert.match(m.html ?? '', /<h2>A is too hot<\/h2>/);

    const rows = await env.rows(`EventlineAlerts | where Rule == 'hot' | project Object, Value, Recipients, Reason`);
    assert.deepEqual(rows.map((x) => [x.Object, x.Value, x.Recipients]), [['A', 35.5, 'ops@contoso.com, lead@contoso.com']]);
  });

  it('evaluates only the window since the last run: the same rows do not fire again', async () => {
    const r = await evaluate(env, 'hot');
    assert.equal(r.firings, 0);
    assert.equal(r.alert.state, 'ok');
    assert.equal((await mailFor(env, 'hot')).length, 1);
  });

  it('runs a rule on its interval without being asked (its delay lets a row ingested late still count)', async () => {
    await env.mgmt(readings('Auto', [[500, 'A', 1]]));
    const [m] = await waitFor('the email of "auto"', async () => { const l = await mailFor(env, 'auto'); return l.length ? l : undefined; });
    assert.deepEqual(m.to, ['auto@contoso.com']);
    assert.match(m.subject, /^Eventline alert auto/);
  });

  it('reports a query that fails with the engine\'s message at the line of the rule\'s own query', async () => {
    const r = await evaluate(env, 'bad-query');
    assert.equal(r.alert.state, 'error');
    assert.match(r.alert.error!.message, /The source query failed: .*'Nope'.*line:position=2:/);
    assert.equal((await alert(env, 'bad-query')).state, 'error');
  });

  it('reports a property column that is not numeric for a numeric condition, and the window waits for a fix', async () => {
    await env.mgmt(readings('Hot', [[1000, 'T', 1]]));
    const r = await evaluate(env, 'texty');
    assert.equal(r.alert.state, 'error');
    assert.match(r.alert.error!.message, /Column "Site" \(property\) holds the text "[A-Z]" .* compares numbers/);
    assert.equal(r.alert.watermark, undefined, 'the window is not advanced past rows it could not read');
  });

  it('lists a rule that cannot run with what is wrong, and keeps the others running', async () => {
    const a = await alert(env, 'bad-duration');
    assert.equal(a.state, 'error');
    assert.match(a.error!.message, /source\.every is "5x", which is not a duration/);
    const r = await env.control('POST', ALERT_PATHS.alertEvaluate('bad-duration'));
    assert.equal(r.status, 400);
    assert.equal((await env.control('POST', ALERT_PATHS.alertEvaluate('nope'))).status, 404);
  });

  it('runs the older shape: each row the query returns fires', async () => {
    await env.mgmt(readings('Hot', [[1000, 'C', 150]]));
    const r = await evaluate(env, 'older');
    assert.equal(r.firings, 1);
    const [m] = await waitFor('the email of "older"', async () => { const l = await mailFor(env, 'older'); return l.length ? l : undefined; });
    assert.deepEqual(m.to, ['old@contoso.com']);
  });

  it('fires "no data for" when the source returns no rows for the span, once per silence', async () => {
    const first = await evaluate(env, 'quiet');
    await waitFor('the silence to last 1 s', () => Promise.resolve(Date.now() > Date.parse(first.alert.watermark!) + 1100 ? true : undefined));
    assert.equal((await evaluate(env, 'quiet')).firings, 1);
    const [m] = await waitFor('the email of "quiet"', async () => { const l = await mailFor(env, 'quiet'); return l.length ? l : undefined; });
    assert.equal(m.subject, 'No data from quiet');
    assert.equal((await evaluate(env, 'quiet')).firings, 0);
  });

  it('evaluates a muted rule but sends nothing', async () => {
    await env.mgmt(readings('Hot', [[1000, 'M', 1]]));
    const r = await evaluate(env, 'hushed');
    assert.equal(r.alert.state, 'muted');
    assert.equal(r.firings, 0);
    assert.ok(r.alert.lastEvaluated);
    assert.equal((await mailFor(env, 'hushed')).length, 0);
  });

  it('keeps values from the data out of the headers and the HTML: no added recipient, no markup', async () => {
    assert.equal((await evaluate(env, 'inject')).firings, 1);
    const [m] = await waitFor('the email of "inject"', async () => { const l = await mailFor(env, 'inject'); return l.length ? l : undefined; });
    assert.deepEqual(m.envelope.to, ['ops@contoso.com']);
    assert.equal(m.headers.bcc, undefined);
    assert.match(m.subject, /^Site <b>A<\/b>\s+Bcc: evil@example\.com$/);
    assert.ok(!(m.html ?? '').includes('<b>A</b>'), m.html);
    assert.match(m.html ?? '', /&lt;b&gt;A&lt;\/b&gt;/);
  });

  it('keeps a firing in the outbox while SMTP is down, retries, and delivers it once SMTP is back', async () => {
    const down = await env.control('PUT', ALERT_PATHS.smtp, { accepting: false });
    assert.equal((down.body as SmtpStatus).accepting, false);
    await env.mgmt(readings('Down', [[1000, 'A', 5]]));
    const r = await evaluate(env, 'down');
    assert.equal(r.firings, 1);
    assert.equal(r.outbox.pending, 1);
    assert.ok(r.outbox.failedAttempts >= 1);
    assert.match(r.outbox.lastError ?? '', /ECONNREFUSED|connect/i);
    // Recorded in the table already: the outbox only waits for the mail.
    assert.equal((await env.rows(`EventlineAlerts | where Rule == 'down' | count`))[0].Count, 1);
    await waitFor('a second attempt', async () => ((await alerts(env)).outbox.failedAttempts >= 2 ? true : undefined));
    await env.control('PUT', ALERT_PATHS.smtp, { accepting: true });
    const [m] = await waitFor('the email of "down"', async () => { const l = await mailFor(env, 'down'); return l.length ? l : undefined; }, 60_000, async () => JSON.stringify((await alerts(env)).outbox));
    assert.deepEqual(m.to, ['down@contoso.com']);
    await waitFor('an empty outbox', async () => ((await alerts(env)).outbox.pending === 0 ? true : undefined));
    assert.equal((await mailFor(env, 'down')).length, 1);
    assert.equal((await env.rows(`EventlineAlerts | where Rule == 'down' | count`))[0].Count, 1, 'recorded once');
  });

  it('takes mail from a real SMTP client with the pipeline\'s key, and refuses a wrong password', async () => {
    const smtp = env.pipeline.ready.smtp as { host: string; port: number; user: string };
    const ok = createTransport({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true, auth: { user: smtp.user, pass: KEY } });
    await ok.sendMail({ from: 'me@contoso.com', to: 'you@contoso.com', subject: 'by hand', text: 'hello' });
    ok.close();
    const m = (await mail(env)).find((x) => x.subject === 'by hand');
    assert.equal(m?.text.trim(), 'hello');
    const bad = createTransport({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true, auth: { user: smtp.user, pass: 'wrong' } });
    await assert.rejects(bad.sendMail({ from: 'me@contoso.com', to: 'you@contoso.com', subject: 'nope', text: 'x' }), /Invalid username or password|535/);
    bad.close();
  });
});

describe('alerts across a restart', function () {
  this.timeout(120_000);

  it('keeps a pending "stays for" across a restart, fires it once, and never sends it twice', async () => {
    const config = {
      alerts: [{
        name: 'sustained', source: { query: windowed('Temp'), every: '1h', eventTimeColumn: 'Timestamp' }, object: 'Site', property: 'Value',
        condition: { kind: 'is', op: 'greaterThan', value: 30 }, options: { staysFor: '3s' }, action: { email: { to: ['ops@contoso.com'], subject: '{object} stayed hot' } },
      }],
    };
    const started = await start(config);
    const dataDir = started.dataDir;
    let env = started.env;
    try {
      await env.mgmt('.create table Temp (Timestamp:datetime, Site:string, Value:real)');
      const rowTime = Date.now() - 500;
      await env.mgmt(`.ingest inline into table Temp <|\n${new Date(rowTime).toISOString()},A,40`);
      const first = await evaluate(env, 'sustained');
      assert.equal(first.firings, 0);
      assert.equal(first.alert.pendingObjects, 1);
      await env.close();

      const restarted = await start(config, dataDir);
      env = restarted.env;
      const pending = await alert(env, 'sustained');
      assert.equal(pending.pendingObjects, 1, 'the pending "stays for" survived the restart');
      // Wait (by the clock, not the pipeline) until the span is up, then evaluate: it fires once.
      await waitFor('the span to pass', () => Promise.resolve(Date.now() > rowTime + 3500 ? true : undefined));
      const second = await evaluate(env, 'sustained');
      assert.equal(second.firings, 1);
      const [m] = await waitFor('the email', async () => { const l = await mailFor(env, 'sustained'); return l.length ? l : undefined; });
      assert.equal(m.subject, 'A stayed hot');
      // A crash (SIGKILL) right after the email: the state that fired reached the disk before the email left.
      await restarted.kill();

      ({ env } = await start(config, dataDir));
      assert.equal((await evaluate(env, 'sustained')).firings, 0, 'not again after a crash and a restart');
      assert.equal((await mailFor(env, 'sustained')).length, 1, 'one email, kept by the SMTP server across restarts');
    } finally {
      await env.close();
    }
  });
});

describe('alert state written by an earlier version', function () {
  this.timeout(120_000);

  it('sends outbox entries whose email was laid out, or had every fact listed, when it fired, as they were, and counts their firings', async () => {
    const dir = tempDataDir('eventline-alerts-');
    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(path.join(dataDir, 'alerts'), { recursive: true });
    const now = Date.now();
    const email = { to: ['old@contoso.com'], cc: [], subject: 'Laid out before', text: 'as it was', html: '<p>as it was</p>' };
    // The content with every fact listed, including those the entry's own fields now give: how the version before
    // this one wrote it.
    const listed = { to: ['old@contoso.com'], cc: [], subject: 'Listed before', headline: 'Listed', message: '', facts: [['Rule', 'kept'], ['Value', 'as listed'], ['Site', '<A>']] };
    // One number per firing, and the email as text and HTML: how earlier versions wrote both.
    fs.writeFileSync(path.join(dataDir, 'alerts', 'state.json'), JSON.stringify({
      version: 1, rules: { kept: { fired: [now - 2000, now - 1000, now - 1000], lastFiringObjects: 1 } },
      outbox: [
        { id: 'f-old', rule: 'kept', object: 'A', eventTime: now - 3000, firedAt: now - 1000, value: 1, reason: 'r', email, recorded: true, attempts: 0, nextAttempt: 0 },
        { id: 'f-listed', rule: 'kept', object: 'A', eventTime: now - 3000, firedAt: now - 1000, value: 1, reason: 'r', email: listed, recorded: true, attempts: 0, nextAttempt: 0 },
      ],
    }));
    const started = await start({ alerts: [{ name: 'kept', source: { query: windowed('Hot'), every: '1h', eventTimeColumn: 'Timestamp' }, condition: { kind: 'everyValue' } }] }, dataDir);
    try {
      const mails = await waitFor('the emails from the old outbox', async () => { const l = await mailFor(started.env, 'kept'); return l.length >= 2 ? l : undefined; });
      const m = mails.find((x) => x.subject === 'Laid out before')!;
      assert.equal(m.text.trim(), 'as it was');
      assert.equal(m.html, '<p>as it was</p>');
      const l = mails.find((x) => x.subject === 'Listed before')!;
      assert.equal(l.text.trim(), 'Listed\n\nRule: kept\nValue: as listed\nSite: <A>');
      assert.match(l.html ?? '', /<th align="left">Site<\/th><td>&lt;A&gt;<\/td>/);
      assert.equal((await alert(started.env, 'kept')).firings24h, 3);
    } finally {
      await started.env.close();
    }
  });
});

describe('an alert with a Teams message only', function () {
  this.timeout(120_000);

  it('fires and is recorded in EventlineAlerts; nothing is mailed, and the log says the Teams message is posted only from Fabric', async () => {
    const started = await start({
      alerts: [{ name: 'paged', source: { query: windowed('Hot'), every: '1h', eventTimeColumn: 'Timestamp' }, object: 'Site', property: 'Value', condition: { kind: 'is', op: 'greaterThan', value: 30 }, action: { teams: { to: ['oncall@contoso.com'] } } }],
    });
    const env = started.env;
    try {
      await env.mgmt('.create table Hot (Timestamp:datetime, Site:string, Value:real)');
      await env.mgmt(`.ingest inline into table Hot <|\n${new Date(Date.now() - 500).toISOString()},A,40`);
      assert.equal((await evaluate(env, 'paged')).firings, 1);
      assert.deepEqual((await env.rows(`EventlineAlerts | where Rule == 'paged' | project Object, Recipients`)).map((x) => [x.Object, x.Recipients]), [['A', '']]);
      assert.equal((await mailFor(env, 'paged')).length, 0);
      assert.match(started.logs(), /paged: fired for 1 object\(s\); its Teams message to oncall@contoso\.com is posted only by Fabric Activator/);
    } finally {
      await env.close();
    }
  });
});

describe('alerts when eventline.json changes', function () {
  this.timeout(120_000);

  it('runs a rule added, muted or broken in the file without a restart, and keeps the state of the rules it had', async () => {
    const hot = {
      name: 'sustained', source: { query: windowed('Temp'), every: '1h', eventTimeColumn: 'Timestamp' }, object: 'Site', property: 'Value',
      condition: { kind: 'is', op: 'greaterThan', value: 30 }, options: { staysFor: '1h' }, action: { email: { to: ['ops@contoso.com'] } },
    };
    const { env, dataDir } = await start({ alerts: [hot] });
    const dir = path.dirname(dataDir);
    try {
      await env.mgmt('.create table Temp (Timestamp:datetime, Site:string, Value:real)');
      await env.mgmt(`.ingest inline into table Temp <|\n${iso(500)},A,40`);
      assert.equal((await evaluate(env, 'sustained')).alert.pendingObjects, 1);

      // A new rule, written as the alert editor writes it: the runner picks it up and runs it on its interval.
      const added = { name: 'added', source: { query: windowed('Temp'), every: '1s', eventTimeColumn: 'Timestamp', delay: '0s' }, object: 'Site', property: 'Value', condition: { kind: 'is', op: 'greaterThan', value: 30 }, action: { email: { to: ['new@contoso.com'], subject: 'added {object}' } } };
      writeConfig(dir, { alerts: [hot, added] });
      const info = await waitFor('the added rule to run by itself', async () => { const a = await alert(env, 'added'); return a?.lastEvaluated ? a : undefined; });
      assert.equal(info.state, 'ok', 'its first window (the last second) holds no row');
      assert.equal((await alert(env, 'sustained')).pendingObjects, 1, 'the rule that was there keeps its pending "stays for"');
      assert.equal((await evaluate(env, 'sustained')).firings, 0, 'and its state: not fired by the reload');

      // Half-written JSON (an editor mid-save) keeps the rules running; a rule made invalid is listed with its problem.
      fs.writeFileSync(path.join(dir, 'eventline.json'), '{ "version": 1, "alerts": [');
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual((await alerts(env)).alerts.map((a) => a.name).sort(), ['added', 'sustained']);
      writeConfig(dir, { alerts: [{ ...hot, muted: true }, { ...added, source: { ...added.source, every: '5x' } }] });
      const broken = await waitFor('the broken rule', async () => { const a = await alert(env, 'added'); return a?.state === 'error' ? a : undefined; });
      assert.match(broken.error!.message, /5x/);
      assert.equal((await alert(env, 'sustained')).state, 'muted');
      assert.equal((await mail(env)).length, 0, 'nothing mailed by the reloads');

      const r = await env.control('POST', ALERT_PATHS.alertsReload);
      assert.equal(r.status, 200);
      assert.deepEqual((r.body as AlertList).alerts.map((a) => a.name).sort(), ['added', 'sustained']);
    } finally {
      await env.close();
    }
  });
});
