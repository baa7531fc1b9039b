// The alert runner's and the SMTP server's files in the data folder: a damaged file never stops the pipeline and
// is never silently overwritten.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlertStore, firingsSince, noteFirings, type RuleRecord } from '../../../src/local/alerts/store';
import { Mailbox } from '../../../src/local/smtp';
import { tempDataDir } from '../pipeline';

/** Background writes take a loaded machine's time: wait for what they leave behind rather than a fixed while. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('alert state and mailbox files', () => {
  it('saves state and outbox together and reads them back', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const a = new AlertStore(file, () => undefined);
    a.rule('hot').lastEvaluated = 5;
    a.data.outbox.push({ id: 'f1', rule: 'hot', object: 'A', eventTime: 1, firedAt: 2, value: 3, reason: 'r', recorded: false, attempts: 0, nextAttempt: 0 });
    a.save();
    assert.ok(a.pending);
    assert.equal(new AlertStore(file, () => undefined).rule('hot').lastEvaluated, undefined, 'a change reaches the disk at the flush, not before');
    await a.flush();
    assert.ok(!a.pending);
    const b = new AlertStore(file, () => undefined);
    assert.equal(b.rule('hot').lastEvaluated, 5);
    assert.deepEqual(b.data.outbox.map((e) => e.id), ['f1']);
    assert.deepEqual(fs.readdirSync(path.join(path.dirname(file), 'rules')).filter((f) => !f.endsWith('.json')), [], 'no temporary file is left');
  });

  it('moves an unreadable state file aside with a message, and starts empty', () => {
    const dir = path.join(tempDataDir('eventline-alert-store-'), 'alerts');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, '{"version": 1, "rules": {');
    const logs: string[] = [];
    const s = new AlertStore(file, (m) => logs.push(m));
    assert.deepEqual(s.data.outbox, []);
    assert.match(logs.join('\n'), /could not be read .* moved to .*state\.json\.unreadable-\d+/);
    assert.equal(fs.readdirSync(dir).filter((f) => f.includes('unreadable')).length, 1);
  });

  it('writes one file per rule, so an evaluation writes its own rule only, with its own outbox entries', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const a = new AlertStore(file, () => undefined);
    a.rule('hot').lastEvaluated = 1;
    a.rule('Hot').lastEvaluated = 2;
    a.rule('../x').lastEvaluated = 3;
    a.save();
    await a.flush();
    const dir = path.join(path.dirname(file), 'rules');
    assert.equal(fs.readdirSync(dir).length, 3);
    const before = new Map(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
    a.rule('hot').lastEvaluated = 10;
    a.data.outbox.push({ id: 'f1', rule: 'hot', object: 'A', eventTime: 1, firedAt: 2, value: 3, reason: 'r', recorded: false, attempts: 0, nextAttempt: 0 });
    a.data.outbox.push({ id: 'f2', rule: 'Hot', object: 'B', eventTime: 1, firedAt: 1, value: 3, reason: 'r', recorded: false, attempts: 0, nextAttempt: 0 });
    a.save('hot');
    await a.flush();
    const changed = fs.readdirSync(dir).filter((f) => fs.readFileSync(path.join(dir, f), 'utf8') !== before.get(f));
    assert.equal(changed.length, 1);
    const b = new AlertStore(file, () => undefined);
    assert.equal(b.rule('hot').lastEvaluated, 10);
    assert.equal(b.rule('Hot').lastEvaluated, 2, 'a rule not saved since keeps what it had');
    assert.equal(b.rule('../x').lastEvaluated, 3);
    assert.deepEqual(b.data.outbox.map((e) => e.id), ['f1'], 'an outbox entry is saved with its own rule');
  });

  it('a staged rule file is written in the background and renamed by the flush; a later change is what the flush writes', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const dir = path.join(path.dirname(file), 'rules');
    const a = new AlertStore(file, () => undefined);
    const temporary = () => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    a.rule('hot').lastEvaluated = 1;
    a.stage('hot');
    assert.deepEqual(fs.readdirSync(dir), [], 'nothing is written in the turn that staged it');
    await eventually(() => temporary().length > 0, 'the staged file');
    assert.equal(temporary().length, 1, 'written after that turn');
    assert.equal(new AlertStore(file, () => undefined).rule('hot').lastEvaluated, undefined, 'not part of the state before the flush');
    // Changed after it was staged: the flush writes the change, and the stale file goes.
    a.rule('hot').lastEvaluated = 2;
    a.save('hot');
    await a.flush();
    assert.equal(new AlertStore(file, () => undefined).rule('hot').lastEvaluated, 2);
    // Staged twice before a flush, the flush waiting for the second write.
    a.rule('hot').lastEvaluated = 3;
    a.stage('hot');
    a.rule('hot').lastEvaluated = 4;
    a.stage('hot');
    await a.flush();
    assert.equal(new AlertStore(file, () => undefined).rule('hot').lastEvaluated, 4);
    await eventually(() => temporary().length === 0, 'the stale staged file to go');
    assert.deepEqual(temporary(), [], 'no temporary file is left');
    assert.ok(!a.pending);
  });

  it('a temporary file left by a process that stopped before its flush is removed at start and never read', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const dir = path.join(path.dirname(file), 'rules');
    const a = new AlertStore(file, () => undefined);
    a.rule('hot').lastEvaluated = 1;
    a.save('hot');
    await a.flush();
    a.rule('hot').lastEvaluated = 2;
    a.stage('hot');
    await eventually(() => fs.readdirSync(dir).some((f) => f.endsWith('.tmp')), 'the staged file');
    assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')).length, 1);
    const b = new AlertStore(file, () => undefined);
    assert.equal(b.rule('hot').lastEvaluated, 1, 'the last flushed state');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  it('reads the single state file of earlier versions once and replaces it with a file per rule', () => {
    const dir = path.join(tempDataDir('eventline-alert-store-'), 'alerts');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'state.json');
    const outbox = [
      { id: 'f2', rule: 'b', object: 'B', eventTime: 1, firedAt: 7, value: 3, reason: 'r', recorded: true, attempts: 1, nextAttempt: 0 },
      { id: 'f1', rule: 'a', object: 'A', eventTime: 1, firedAt: 5, value: 3, reason: 'r', recorded: false, attempts: 0, nextAttempt: 0 },
    ];
    fs.writeFileSync(file, JSON.stringify({ version: 1, rules: { a: { fired: [5], lastFiringObjects: 1, state: { version: 1, fingerprint: 'x', watermark: 9, objects: { A: { trueSince: 4, last: { time: 8, value: null } } } } }, b: { fired: [], lastFiringObjects: 0 } }, outbox }));
    const s = new AlertStore(file, () => undefined);
    assert.deepEqual({ ...s.rule('a').state?.objects.A }, { trueSince: 4, lastTime: 8, lastValue: null });
    assert.ok(!fs.existsSync(file));
    const again = new AlertStore(file, () => undefined);
    assert.equal(again.rule('a').state?.watermark, 9);
    assert.deepEqual(again.rule('a').fired, [[5, 1]], 'one number per firing becomes a count per evaluation');
    assert.deepEqual(again.data.outbox.map((e) => e.id), ['f1', 'f2'], 'delivered in the order they were made');
  });

  it('counts firings per evaluation and forgets those older than a day', () => {
    const r: RuleRecord = { fired: [], lastFiringObjects: 0 };
    noteFirings(r, 100, 56, 0);
    noteFirings(r, 100, 4, 0);
    noteFirings(r, 200, 0, 0);
    noteFirings(r, 300, 7, 0);
    assert.deepEqual(r.fired, [[100, 60], [300, 7]]);
    assert.equal(firingsSince(r, 99), 67);
    assert.equal(firingsSince(r, 100), 7);
    noteFirings(r, 400, 1, 150);
    assert.deepEqual(r.fired, [[300, 7], [400, 1]]);
  });

  it('a flush that fails keeps its changes for the next one, staged or not', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const a = new AlertStore(file, () => undefined);
    a.rule('hot').lastEvaluated = 7;
    a.save('hot');
    a.rule('cold').lastEvaluated = 8;
    a.stage('cold');
    const dir = path.join(path.dirname(file), 'rules');
    fs.rmSync(dir, { recursive: true });
    fs.writeFileSync(dir, 'not a folder');
    await assert.rejects(a.flush(), /ENOTDIR/);
    assert.ok(a.pending, 'still to be written');
    fs.rmSync(dir);
    fs.mkdirSync(dir);
    await a.flush();
    const b = new AlertStore(file, () => undefined);
    assert.equal(b.rule('hot').lastEvaluated, 7);
    assert.equal(b.rule('cold').lastEvaluated, 8);
  });

  it('writes a rule\'s state packed in columns, reads it back, and still reads a rule file of the previous version', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const dir = path.join(path.dirname(file), 'rules');
    const a = new AlertStore(file, () => undefined);
    const state = { version: 1 as const, fingerprint: 'x', watermark: 60_000, objects: { A: { lastTime: 59_000, lastValue: 3, lastFired: 59_000 }, B: { trueSince: 1_000 } } };
    a.rule('hot').state = state;
    a.save();
    await a.flush();
    const written = JSON.parse(fs.readFileSync(path.join(dir, fs.readdirSync(dir)[0]), 'utf8'));
    assert.deepEqual(written.record.state.packed, { base: 60_000, keys: ['A', 'B'], lastTime: [-1_000, null], lastValue: [3, null], lastFired: [-1_000, null], trueSince: [null, -59_000] });
    assert.equal(written.record.state.objects, undefined);
    const read = new AlertStore(file, () => undefined).rule('hot').state!;
    assert.deepEqual({ ...read, objects: { ...read.objects } }, state);
    // A rule file of the version before the columns: the objects nested, each last value an object of its own.
    const old = path.join(dir, fs.readdirSync(dir)[0]);
    const nested = { ...state, objects: { A: { last: { time: 59_000, value: 3, row: { Site: 'A' } }, lastFired: 59_000 }, B: { trueSince: 1_000 } } };
    fs.writeFileSync(old, JSON.stringify({ ...written, record: { ...written.record, state: nested } }));
    const fromNested = new AlertStore(file, () => undefined).rule('hot').state!;
    assert.deepEqual({ ...fromNested, objects: { ...fromNested.objects } }, { ...state, objects: { ...state.objects, A: { ...state.objects.A, lastRow: { Site: 'A' } } } });
  });

  it('reads back a rule whose outbox holds 150,000 firings (a relay down for a while)', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const a = new AlertStore(file, () => undefined);
    a.rule('busy').lastEvaluated = 1;
    a.data.outbox = Array.from({ length: 150_000 }, (_, i) => ({ id: `f${i}`, rule: 'busy', object: `o${i}`, eventTime: 1, firedAt: 2, value: i, reason: 'r', recorded: true, attempts: 3, nextAttempt: 4 }));
    a.save();
    await a.flush();
    const logs: string[] = [];
    const b = new AlertStore(file, (m) => logs.push(m));
    assert.deepEqual(logs, [], 'the file is read, not set aside');
    assert.equal(b.data.outbox.length, 150_000);
    assert.equal(b.rule('busy').lastEvaluated, 1);
  });

  it('moves an unreadable rule file aside with a message and keeps the other rules', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const a = new AlertStore(file, () => undefined);
    a.rule('a').lastEvaluated = 1;
    a.rule('b').lastEvaluated = 2;
    a.save();
    await a.flush();
    const dir = path.join(path.dirname(file), 'rules');
    const bad = fs.readdirSync(dir).find((f) => f.startsWith('a-'))!;
    fs.writeFileSync(path.join(dir, bad), '{"version": 1, "na');
    const logs: string[] = [];
    const b = new AlertStore(file, (m) => logs.push(m));
    assert.equal(b.rule('b').lastEvaluated, 2);
    assert.equal(b.rule('a').lastEvaluated, undefined);
    assert.match(logs.join('\n'), /could not be read .* moved to .*\.unreadable-\d+, starting with empty state for that rule/);
  });

  it('keeps the mail it can read when a line was cut short by a crash', () => {
    const file = path.join(tempDataDir('eventline-mailbox-'), 'smtp', 'mail.jsonl');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const m = { id: '1', receivedAt: '2026-01-01T00:00:00Z', envelope: { from: 'a@b.c', to: ['d@e.f'] }, from: 'a@b.c', to: ['d@e.f'], cc: [], subject: 's', text: 't', headers: {} };
    fs.writeFileSync(file, `${JSON.stringify(m)}\n{"id": "2", "recei`);
    const logs: string[] = [];
    const box = new Mailbox(file, (x) => logs.push(x));
    assert.deepEqual(box.list().map((x) => x.id), ['1']);
    assert.match(logs.join('\n'), /skipped a damaged line/);
  });
});
