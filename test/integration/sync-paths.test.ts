// Item destinations and the ESPs, the bind target, and each other: decided on resolved paths and
// filesystem identity (mountinfo's device of the resolved path), never on the configured text.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t, { type Test } from 'tap';
import { main as sync } from '../../src/cli/sync.js';
import { itemDisk } from '../helpers/item-disk.js';
import { runProgram, type SimMachine, twoDiskMachine } from '../helpers/sim.js';
import { snapshot, writeTree } from '../helpers/tree.js';

const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(sync, 'dualroot-sync', argv, env);

/** A machine with one more disk holding the items' sources (root0) and one their copies (root1). */
async function withRoots(t: Test) {
  const m = await twoDiskMachine(t);
  const { source: root0, copy: root1 } = await itemDisk(t, m, ['root0', 'root1']);
  writeTree(join(root0, 'etc'), { hostname: 'box\n' });
  return { m, root0, root1 };
}

const item = (m: SimMachine, name: string, source: string, dests: string) =>
  `[bind]\ntarget = ${join(m.root, 'boot')}\n[sync:${name}]\nsource = ${source}\ndestinations = ${dests}\n`;

t.test('an item destination on an ESP, the bind target, or a symlink to one is refused', async (t) => {
  const { m, root0 } = await withRoots(t);
  writeTree(m.efi[0]!, { 'vmlinuz-linux': 'kernel' });
  writeTree(m.efi[1]!, { 'vmlinuz-linux': 'kernel' });
  await execa('mount', ['--bind', m.efi[0]!, join(m.root, 'boot')]);
  const link = join(m.root, 'looks-harmless');
  symlinkSync(m.efi[1]!, link);
  mkdirSync(join(m.efi[1]!, 'backup'));
  const before = [snapshot(m.efi[0]!), snapshot(m.efi[1]!)];
  const cases: [string, RegExp][] = [
    [
      join(m.root, 'boot'),
      /boot is on the ESP \/dev\/loop\d+p1 \(mounted at .*boot, device \d+:\d+\): an item must never write onto an ESP/,
    ],
    [m.efi[1]!, /efi1 is on the ESP \/dev\/loop\d+p1 .*never write onto an ESP/],
    [join(m.efi[1]!, 'backup'), /efi1\/backup is on the ESP .*never write onto an ESP/],
    [link, /efi1 is on the ESP .*never write onto an ESP/],
  ];
  for (const [dest, why] of cases) {
    writeFileSync(m.config, `[esp]\nsync = false\n${item(m, 'etc', join(root0, 'etc'), dest)}`);
    const result = await run(m.env);
    t.equal(result.code, 1, dest);
    t.match(result.stderr, why, dest);
  }
  await execa('umount', [join(m.root, 'boot')]);
  // Not mounted, /boot is a directory on the root filesystem: still never an item's.
  writeFileSync(m.config, `[esp]\nsync = false\n${item(m, 'etc', join(root0, 'etc'), join(m.root, 'boot'))}`);
  const unbound = await run(m.env);
  t.equal(unbound.code, 1);
  t.match(unbound.stderr, /boot is the bind target .*boot: an item must never write there/);
  t.same([snapshot(m.efi[0]!), snapshot(m.efi[1]!)], before, 'neither ESP was written');
  t.same(snapshot(join(m.root, 'boot')), {}, 'nor the bind target');
});

t.test(
  "the bind target mounted from the other ESP: the ESP sync refuses with bind's diagnosis",
  async (t) => {
    const m = await twoDiskMachine(t);
    writeTree(m.efi[0]!, { 'vmlinuz-linux': 'old kernel' });
    writeTree(m.efi[1]!, { 'vmlinuz-linux': 'old kernel' });
    const boot = join(m.root, 'boot');
    await execa('mount', ['--bind', m.efi[1]!, boot]);
    writeFileSync(join(boot, 'vmlinuz-linux'), 'new kernel from mkinitcpio');
    const result = await run(m.env);
    t.equal(result.code, 1);
    t.match(
      result.stderr,
      /boot is mounted from \/dev\/loop\d+p1 .* not from the booted ESP .*kernels installed now land on that ESP.*fix: unmount it \(umount .*boot\)/,
    );
    t.match(snapshot(m.efi[1]!), { 'vmlinuz-linux': String });
    const { readFileSync } = await import('node:fs');
    t.equal(
      readFileSync(join(m.efi[1]!, 'vmlinuz-linux'), 'utf8'),
      'new kernel from mkinitcpio',
      'not reverted',
    );
    await execa('umount', [boot]);
  },
);

t.test('overlapping items are configuration errors on resolved paths', async (t) => {
  const { m, root0, root1 } = await withRoots(t);
  writeTree(join(root0, 'usr'), { 'bin/sh': 'sh' });
  mkdirSync(join(root1, 'etc'));
  symlinkSync(join(root1, 'etc'), join(root1, 'etc-link'));
  const esp = '[esp]\nsync = false\n';
  const cases: [string, RegExp][] = [
    [
      `${esp}${item(m, 'all', join(root0, 'etc'), root1)}[sync:usr]\nsource = ${join(root0, 'usr')}\ndestinations = ${join(root1, 'usr')}\n`,
      /\[sync:usr\] destinations: .*root1\/usr and .*root1, a destination of \[sync:all\], overlap/,
    ],
    [
      `${esp}${item(m, 'etc', join(root0, 'etc'), join(root1, 'etc'))}[sync:usr]\nsource = ${join(root0, 'usr')}\ndestinations = ${join(root1, 'etc-link')}\n`,
      /\[sync:usr\] destinations: .*root1\/etc is also a destination of \[sync:etc\]/,
    ],
    [
      `${esp}${item(m, 'etc', join(root0, 'etc'), join(root1, 'etc'))}[sync:back]\nsource = ${join(root1, 'etc-link')}\ndestinations = ${join(root0, 'usr')}\n`,
      /\[sync:back\] source: .*root1\/etc overlaps .*root1\/etc, a destination of \[sync:etc\]/,
    ],
  ];
  const before = snapshot(join(root1, 'etc'));
  for (const [config, why] of cases) {
    writeFileSync(m.config, config);
    const result = await run(m.env);
    t.equal(result.code, 2, result.stderr);
    t.match(result.stderr, why);
  }
  t.same(snapshot(join(root1, 'etc')), before, 'nothing written');
});
