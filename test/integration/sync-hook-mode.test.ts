// dualroot-sync as the pacman hook runs it (--hook), and the machines it must not be fooled by:
// a dead disk, no UEFI, an unidentifiable booted ESP, a stick with an ESP that is not one of ours.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as sync } from '../../src/cli/sync.js';
import { makeDisk, mount, runProgram, twoDiskMachine } from '../helpers/sim.js';
import { snapshot, writeTree } from '../helpers/tree.js';

const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(sync, 'dualroot-sync', argv, env);

t.test('pacman hook mode: quiet success, loud missing ESP, skipped without UEFI', async (t) => {
  const m = await twoDiskMachine(t, { mountEfi1: false });
  writeTree(m.efi[0]!, { 'vmlinuz-linux': 'k' });
  const degraded = await run(m.env, '--hook');
  t.equal(degraded.code, 0, 'a missing ESP does not fail the finished transaction');
  t.match(
    degraded.stderr,
    /^==> WARNING: .*efi1 NOT synced: .*not a mount point.*cannot boot from that disk/m,
  );
  t.match(degraded.stderr, /^==> WARNING: ESP \/dev\/loop\d+p1 on \/dev\/loop\d+ .* is not mounted/m);
  await mount(t, m.disks[1]!.parts[0]!.device, m.efi[1]!);
  const ok = await run(m.env, '--hook');
  t.equal(ok.code, 0);
  t.match(ok.stdout, /^ {2}synced .*efi1 from .*efi0 \(1 file\)$/m);
  t.equal(ok.stderr, '');
  rmSync(m.efivars, { recursive: true });
  const bios = await run(m.env, '--hook');
  t.equal(bios.code, 0);
  t.match(bios.stdout, /^ {2}Skipped: not booted with UEFI \(.*efivars does not exist\)$/);
});

t.test('pacman hook mode, disk dead (its partition gone): the warning names it from fstab', async (t) => {
  const m = await twoDiskMachine(t, { mountEfi1: false });
  writeTree(m.efi[0]!, { 'vmlinuz-linux': 'k' });
  // A dead disk takes its partitions with it: drop disk 1's from the block devices dualroot sees.
  const gone = m.disks[1]!.parts[0]!;
  rmSync(join(m.root, 'sys/class/block', gone.device.slice('/dev/'.length)));
  const degraded = await run(m.env, '--hook');
  t.equal(degraded.code, 0, 'a dead disk does not fail the finished transaction');
  t.match(
    degraded.stderr,
    new RegExp(
      `^==> WARNING: ${m.efi[1]} NOT synced: .*line 2 mounts PARTUUID=${gone.partUuid} there\\): its disk is missing or not mounted.*cannot boot from that disk`,
      'm',
    ),
    'the warning names the missing ESP by the PARTUUID fstab mounts there',
  );
  t.notMatch(degraded.stderr, new RegExp(gone.device), 'the vanished partition is not claimed to exist');
  t.same(snapshot(m.efi[1]!), {}, 'nothing written into the empty mount point');
});

t.test('an unidentifiable booted ESP fails the ESP sync but not the items', async (t) => {
  const m = await twoDiskMachine(t);
  const disk = await makeDisk(t, m.root, [{ type: 'linux', sizeMiB: 24 }]);
  const dst = join(m.root, 'root1');
  await mount(t, disk.parts[0]!.device, dst);
  const src = join(m.efi[0]!, 'keep');
  writeTree(src, { 'a.txt': 'a' });
  rmSync(m.efivars, { recursive: true });
  mkdirSync(m.efivars);
  writeFileSync(m.config, `[sync:keep]\nsource = ${src}\ndestinations = ${dst}\n`);
  const result = await run(m.env);
  t.equal(result.code, 1);
  t.match(
    result.stderr,
    /esp: .* -> \(every other ESP\): refused: cannot tell which ESP the firmware booted; checked: .*fix: /,
  );
  t.match(result.stdout, /keep: .*efi0\/keep -> .*root1: 1 file/);
  t.equal(readFileSync(join(dst, 'a.txt'), 'utf8'), 'a', 'the item was synced anyway');
});

t.test(
  'an extra unmounted ESP is a note while a second ESP is in sync, and degraded when none is',
  async (t) => {
    const m = await twoDiskMachine(t);
    const stick = await makeDisk(t, m.root, [{ type: 'esp', sizeMiB: 16 }]);
    writeTree(m.efi[0]!, { 'vmlinuz-linux': 'k' });
    const result = await run(m.env);
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, `note: ESP ${stick.parts[0]!.device} on ${stick.loop}`);
    t.match(result.stdout, /mount it at another \/efiN/);
    await execa('umount', [m.efi[1]!]);
    const degraded = await run(m.env);
    t.equal(degraded.code, 3);
    t.match(degraded.stderr, `warning: ESP ${stick.parts[0]!.device} on ${stick.loop}`);
  },
);
