// dualroot's two .hook files against the facts about the hooks that write the ESP
// (test/helpers/alpm-hooks.ts): the sync runs after all of them, the guard before the ones that
// delete from /boot, and both trigger on everything that makes any of them run.
import t from 'tap';
import { dualrootHooks, espWriters, hookOrder, type Trigger, targetMatches } from '../helpers/alpm-hooks.js';

const { guard, sync } = dualrootHooks();
const ofType = (triggers: Trigger[], type: string) => triggers.filter((tr) => tr.type === type);
const targets = (triggers: Trigger[], type: string) => ofType(triggers, type).flatMap((tr) => tr.targets);

t.test('the sync hook sorts after every hook that writes the ESP (byte order, .hook stripped)', async (t) => {
  for (const writer of espWriters.filter((w) => w.when === 'PostTransaction' && w.name.endsWith('.hook')))
    t.ok(hookOrder(sync.name, writer.name) > 0, `${sync.name} runs after ${writer.name} (${writer.from})`);
  // The old name, to show the comparison is the one that matters: it ran before sbctl signed.
  t.ok(hookOrder('99-dualroot-sync.hook', 'zz-sbctl.hook') < 0, 'a 99- name would run before zz-sbctl');
  t.ok(hookOrder('zzz-a.hook', 'zzzz-a.hook') < 0, "'-' sorts before 'z'");
  t.match(sync.action.When, ['PostTransaction']);
});

t.test('the guard sorts before every PreTransaction hook that deletes from /boot', async (t) => {
  for (const writer of espWriters.filter((w) => w.when === 'PreTransaction'))
    t.ok(hookOrder(guard.name, writer.name) < 0, `${guard.name} runs before ${writer.name}`);
  t.match(guard.action.When, ['PreTransaction']);
  t.ok('AbortOnFail' in guard.action, 'the guard aborts the transaction on failure');
});

t.test('guard and sync hook trigger on exactly the same things', async (t) => {
  const norm = (triggers: Trigger[]) =>
    triggers
      .map((tr) => ({ ...tr, operations: [...tr.operations].sort(), targets: [...tr.targets].sort() }))
      .sort((a, b) => a.type.localeCompare(b.type));
  t.strictSame(norm(guard.triggers), norm(sync.triggers));
  for (const tr of sync.triggers)
    t.strictSame([...tr.operations].sort(), ['Install', 'Remove', 'Upgrade'], `${tr.type}: Remove kept`);
});

t.test("every target of every ESP writer makes dualroot's hooks run", async (t) => {
  const paths = targets(sync.triggers, 'Path');
  const packages = targets(sync.triggers, 'Package');
  for (const writer of espWriters) {
    for (const { target, example } of writer.paths) {
      t.ok(
        targetMatches(target, example),
        `fact check: ${example} is what ${target} (${writer.name}) matches`,
      );
      t.ok(
        paths.some((p) => targetMatches(p, example)),
        `${writer.name}'s ${target} (e.g. ${example}) is covered`,
      );
    }
    for (const pkg of writer.packages)
      t.ok(packages.includes(pkg), `${writer.name}'s package ${pkg} is covered`);
  }
});

t.test('the Target glob reader follows fnmatch without flags', async (t) => {
  t.ok(targetMatches('usr/lib/**/efi/*.efi*', 'usr/lib/fwupd/efi/fwupdx64.efi.signed'));
  t.ok(targetMatches('boot/*', 'boot/EFI/Linux/arch.efi'), "'*' crosses '/'");
  t.notOk(targetMatches('usr/lib/modules/*/vmlinuz', 'usr/lib/modules/6.1/extramodules/x.ko'));
  t.notOk(targetMatches('!boot/*', 'boot/x'), 'a negated target excludes');
  t.ok(targetMatches('usr/lib/kernel/install.?', 'usr/lib/kernel/install.d'));
});
