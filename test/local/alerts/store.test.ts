// The alert runner's and the SMTP server's files in the data folder: a damaged file never stops the pipeline and
// is never silently overwritten.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlertStore } from '../../../src/local/alerts/store';
import { Mailbox } from '../../../src/local/smtp';
import { tempDataDir } from '../pipeline';

describe('alert state and mailbox files', () => {
  it('saves state and outbox together and reads them back', () => {
    const file = path.join(tempDataDir('eventline-alert-store-'), 'alerts', 'state.json');
    const a = new AlertStore(file, () => undefined);
    a.rule('hot').lastEvaluated = 5;
    a.data.outbox.push({ id: 'f1', rule: 'hot', object: 'A', eventTime: 1, firedAt: 2, value: 3, reason: 'r', recorded: false, attempts: 0, nextAttempt: 0 });
    a.save();
    const b = new AlertStore(file, () => undefined);
    assert.equal(b.rule('hot').lastEvaluated, 5);
    assert.deepEqual(b.data.outbox.map((e) => e.id), ['f1']);
    assert.ok(!fs.existsSync(`${file}.tmp`));
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
