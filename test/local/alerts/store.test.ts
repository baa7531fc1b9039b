// The alert runner's and the SMTP server's files in the data folder: a damaged file never stops the pipeline and
// is never silently overwritten.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlertStore, firingsSince, noteFirings, type RuleRecord } from '../../../src/local/alerts/store';
import { Mailbox } from '../../../src/local/smtp';
import { tempDataDir } from '../pipeline';

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
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['rules.jsonl'], 'no temporary file is left');
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

  it('keeps every rule in one file, a line each with its own outbox entries; a rule not saved since keeps what it had', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const lines = path.join(path.dirname(file), 'rules.jsonl');
    const a = new AlertStore(file, () => undefined);
    a.rule('hot').lastEvaluated = 1;
    a.rule('Hot').lastEvaluated = 2;
    a.rule('../x').lastEvaluated = 3;
    a.save();
    await a.flush();
    assert.deepEqual(fs.readFileSync(lines, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { name: string }).name), ['hot', 'Hot', '../x']);
    a.rule('hot').lastEvaluated = 10;
    a.data.outbox.push({ id: 'f1', rule: 'hot', object: 'A', eventTime: 1, firedAt: 2, value: 3, reason: 'r', recorded: false, attempts: 0, nextAttempt: 0 });
    // Not saved: the line written for its rule is the one from its last save.
    a.rule('Hot').lastEvaluated = 20;
    a.data.outbox.push({ id: 'f2', rule: 'Hot', object: 'B', eventTime: 1, firedAt: 1, value: 3, reason: 'r', recorded: false, attempts: 0, nextAttempt: 0 });
    a.save('hot');
    await a.flush();
    const b = new AlertStore(file, () => undefined);
    assert.equal(b.rule('hot').lastEvaluated, 10);
    assert.equal(b.rule('Hot').lastEvaluated, 2, 'a rule not saved since keeps what it had');
    assert.equal(b.rule('../x').lastEvaluated, 3);
    assert.deepEqual(b.data.outbox.map((e) => e.id), ['f1'], 'an outbox entry is saved with its own rule');
  });

  it('a staged rule is serialized after its turn and the flush writes that line; a change saved later is what the flush writes', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const a = new AlertStore(file, () => undefined);
    a.rule('hot').lastEvaluated = 1;
    a.stage('hot');
    // Changed in the same turn, unsaved: the line is made after this turn, so it holds 2.
    a.rule('hot').lastEvaluated = 2;
    await new Promise((resolve) => setImmediate(resolve));
    // Changed after the line was made, unsaved: the flush writes the line it has.
    a.rule('hot').lastEvaluated = 3;
    assert.equal(new AlertStore(file, () => undefined).rule('hot').lastEvaluated, undefined, 'not part of the state before the flush');
    await a.flush();
    assert.equal(new AlertStore(file, () => undefined).rule('hot').lastEvaluated, 2);
    // Saved after it was staged: the flush serializes the change.
    a.rule('hot').lastEvaluated = 4;
    a.stage('hot');
    a.rule('hot').lastEvaluated = 5;
    a.save('hot');
    await a.flush();
    assert.equal(new AlertStore(file, () => undefined).rule('hot').lastEvaluated, 5);
    assert.ok(!a.pending);
  });

  it('a temporary file left by a process that stopped before its rename is removed at start and never read', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const dir = path.dirname(file);
    const a = new AlertStore(file, () => undefined);
    a.rule('hot').lastEvaluated = 1;
    a.save('hot');
    await a.flush();
    fs.writeFileSync(path.join(dir, 'rules.jsonl.7.tmp'), '{"version":1,"name":"hot","record":{"fired":[],"lastFiringObjects":0,"lastEvaluated":2},"outbox":[]}\n');
    const b = new AlertStore(file, () => undefined);
    assert.equal(b.rule('hot').lastEvaluated, 1, 'the last flushed state');
    assert.deepEqual(fs.readdirSync(dir), ['rules.jsonl']);
  });

  it('reads the single state file of the first version once and replaces it with rules.jsonl', () => {
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
    assert.deepEqual(fs.readdirSync(dir), ['rules.jsonl']);
    // As a move that stopped before the old file went leaves it: rules.jsonl holds it already, and it goes.
    fs.writeFileSync(file, JSON.stringify({ version: 1, rules: { a: { fired: [], lastFiringObjects: 0, lastEvaluated: 1 } }, outbox: [] }));
    const again = new AlertStore(file, () => undefined);
    assert.ok(!fs.existsSync(file));
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
    // A folder where the file goes: the rename fails.
    const lines = path.join(path.dirname(file), 'rules.jsonl');
    fs.mkdirSync(path.join(lines, 'x'), { recursive: true });
    await assert.rejects(a.flush(), /EISDIR|ENOTEMPTY|EEXIST/);
    assert.ok(a.pending, 'still to be written');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['rules.jsonl'], 'its temporary file removed');
    fs.rmSync(lines, { recursive: true });
    await a.flush();
    const b = new AlertStore(file, () => undefined);
    assert.equal(b.rule('hot').lastEvaluated, 7);
    assert.equal(b.rule('cold').lastEvaluated, 8);
  });

  it('writes a rule\'s state packed in columns, reads it back, and still reads a rule file of the previous version', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const lines = path.join(path.dirname(file), 'rules.jsonl');
    const a = new AlertStore(file, () => undefined);
    const state = { version: 1 as const, fingerprint: 'x', watermark: 60_000, objects: { A: { lastTime: 59_000, lastValue: 3, lastFired: 59_000 }, B: { trueSince: 1_000 } } };
    a.rule('hot').state = state;
    a.save();
    await a.flush();
    const written = JSON.parse(fs.readFileSync(lines, 'utf8'));
    assert.deepEqual(written.record.state.packed, { base: 60_000, keys: ['A', 'B'], lastTime: [-1_000, null], lastValue: [3, null], lastFired: [-1_000, null], trueSince: [null, -59_000] });
    assert.equal(written.record.state.objects, undefined);
    const read = new AlertStore(file, () => undefined).rule('hot').state!;
    assert.deepEqual({ ...read, objects: { ...read.objects } }, state);
    // A rule of the version before the columns: the objects nested, each last value an object of its own.
    const nested = { ...state, objects: { A: { last: { time: 59_000, value: 3, row: { Site: 'A' } }, lastFired: 59_000 }, B: { trueSince: 1_000 } } };
    fs.writeFileSync(lines, `${JSON.stringify({ ...written, record: { ...written.record, state: nested } })}\n`);
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

  it('moves an unreadable line aside with a message and keeps the other rules', async () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const a = new AlertStore(file, () => undefined);
    a.rule('a').lastEvaluated = 1;
    a.rule('b').lastEvaluated = 2;
    a.save();
    await a.flush();
    const lines = path.join(path.dirname(file), 'rules.jsonl');
    const [, second] = fs.readFileSync(lines, 'utf8').split('\n');
    fs.writeFileSync(lines, `{"version": 1, "na\n${second}\n`);
    const logs: string[] = [];
    const b = new AlertStore(file, (m) => logs.push(m));
    assert.equal(b.rule('b').lastEvaluated, 2);
    assert.equal(b.rule('a').lastEvaluated, undefined);
    assert.match(logs.join('\n'), /1 line\(s\) of .*rules\.jsonl could not be read .* moved to .*rules\.jsonl\.unreadable-\d+, starting with empty state for that rule/);
    const aside = fs.readdirSync(path.dirname(file)).filter((f) => f.includes('unreadable'));
    assert.equal(aside.length, 1);
    assert.equal(fs.readFileSync(path.join(path.dirname(file), aside[0]), 'utf8'), '{"version": 1, "na\n');
    const again: string[] = [];
    assert.equal(new AlertStore(file, (m) => again.push(m)).rule('b').lastEvaluated, 2);
    assert.deepEqual(again, [], 'set aside once');
  });

  it('reads the files per rule of the previous version once and replaces them with rules.jsonl; one it cannot read stays aside', () => {
    const dir = path.join(tempDataDir('eventline-alert-store-'), 'alerts');
    const perRule = path.join(dir, 'rules');
    fs.mkdirSync(perRule, { recursive: true });
    const ruleFile = (name: string, lastEvaluated: number, firedAt: number) => JSON.stringify({
      version: 1, name, outbox: [{ id: `f-${name}`, rule: name, object: 'A', eventTime: 1, firedAt, value: 3, reason: 'r', recorded: false, attempts: 0, nextAttempt: 0 }],
      record: { fired: [[5, 1]], lastFiringObjects: 1, lastEvaluated, state: { version: 1, fingerprint: 'x', watermark: 60_000, packed: { base: 60_000, keys: ['A'], lastTime: [-1_000], lastValue: [3] } } },
    });
    fs.writeFileSync(path.join(perRule, 'a-0123.json'), ruleFile('a', 1, 9));
    fs.writeFileSync(path.join(perRule, 'b-4567.json'), ruleFile('b', 2, 4));
    fs.writeFileSync(path.join(perRule, 'c-89ab.json'), '{"version": 1, "na');
    fs.writeFileSync(path.join(perRule, 'a-0123.json.3.tmp'), 'left by a stop before a rename');
    const logs: string[] = [];
    const s = new AlertStore(path.join(dir, 'state.json'), (m) => logs.push(m));
    assert.equal(s.rule('a').lastEvaluated, 1);
    assert.deepEqual({ ...s.rule('b').state!.objects.A }, { lastTime: 59_000, lastValue: 3 });
    assert.deepEqual(s.data.outbox.map((e) => e.id), ['f-b', 'f-a'], 'delivered in the order they were made');
    assert.match(logs.join('\n'), /c-89ab\.json could not be read .* moved to .*\.unreadable-\d+, starting with empty state for that rule/);
    assert.ok(fs.existsSync(path.join(dir, 'rules.jsonl')));
    assert.deepEqual(fs.readdirSync(perRule).map((f) => f.replace(/\d+$/, '')), ['c-89ab.json.unreadable-'], 'only the file set aside is left');
    const again = new AlertStore(path.join(dir, 'state.json'), () => undefined);
    assert.equal(again.rule('b').lastEvaluated, 2);
    assert.deepEqual(again.data.outbox.map((e) => e.id), ['f-b', 'f-a']);
    assert.equal(fs.readdirSync(perRule).length, 1, 'the file set aside is still there after the next start');
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
