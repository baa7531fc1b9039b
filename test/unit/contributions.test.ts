import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTEXT_VALUES } from '../../src/tree/contextValues';

interface MenuItem { command: string; when?: string }
const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
  activationEvents: string[];
  contributes: { commands: { command: string; title: string; category?: string }[]; menus: Record<string, MenuItem[]>; keybindings?: { command: string }[] };
};
const commands = new Set(pkg.contributes.commands.map((c) => c.command));

describe('package.json contributions', () => {
  it('every menu, keybinding and activation event names a contributed command', () => {
    const named = [
      ...Object.entries(pkg.contributes.menus).flatMap(([menu, items]) => items.map((i) => ({ where: menu, command: i.command }))),
      ...(pkg.contributes.keybindings ?? []).map((k) => ({ where: 'keybindings', command: k.command })),
      ...pkg.activationEvents.filter((e) => e.startsWith('onCommand:')).map((e) => ({ where: 'activationEvents', command: e.slice('onCommand:'.length) })),
    ];
    assert.deepEqual(named.filter((n) => !commands.has(n.command)).map((n) => `${n.where}: ${n.command}`), []);
  });

  it('every command has the Eventline category and a title', () => {
    assert.deepEqual(pkg.contributes.commands.filter((c) => c.category !== 'Eventline' || !c.title).map((c) => c.command), []);
  });

  it('every tree row kind a menu matches is one the tree produces', () => {
    const known = new Set<string>(CONTEXT_VALUES);
    const unknown: string[] = [];
    for (const item of pkg.contributes.menus['view/item/context'] ?? []) {
      for (const m of (item.when ?? '').matchAll(/viewItem\s*==\s*([\w.]+)/g)) if (!known.has(m[1])) unknown.push(`${item.command}: ${m[1]}`);
      for (const m of (item.when ?? '').matchAll(/viewItem\s*=~\s*\/\^?\(?([^/)]+)\)?\//g)) {
        for (const alt of m[1].split('|')) {
          const prefix = alt.replace(/\\\./g, '.');
          if (![...known].some((k) => k.startsWith(prefix))) unknown.push(`${item.command}: ${alt}`);
        }
      }
    }
    assert.deepEqual(unknown, []);
  });
});

describe('the walkthrough (contributes.walkthroughs)', () => {
  interface Step { id: string; title: string; description: string; media: { image?: string; altText?: string }; completionEvents?: string[] }
  const walkthroughs = (pkg.contributes as { walkthroughs?: { id: string; steps: Step[] }[] }).walkthroughs ?? [];
  const steps = walkthroughs.flatMap((w) => w.steps);

  it('walks from a manifest to a deploy, each step with a command button, a done-when event and an image', () => {
    assert.deepEqual(steps.map((s) => s.id), ['manifest', 'localPipeline', 'tail', 'query', 'pin', 'alert', 'deploy']);
    for (const s of steps) {
      const buttons = [...s.description.matchAll(/\]\(command:([\w.]+)\)/g)].map((m) => m[1]);
      assert.ok(buttons.length > 0, `step ${s.id} has a command button`);
      assert.deepEqual(buttons.filter((c) => !commands.has(c)), [], `step ${s.id}'s buttons name contributed commands`);
      assert.ok(s.completionEvents?.length, `step ${s.id} has a done-when event`);
      const onCommand = s.completionEvents.filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length));
      assert.deepEqual(onCommand.filter((c) => !commands.has(c)), [], `step ${s.id} completes on contributed commands`);
      assert.ok(s.media.image && s.media.altText, `step ${s.id} has an image with alt text`);
      assert.match(s.media.image, /^media\/walkthrough\/[\w-]+\.(svg|png)$/);
      assert.ok(fs.existsSync(path.resolve(__dirname, '../..', s.media.image)), `${s.media.image} exists`);
    }
  });
});
