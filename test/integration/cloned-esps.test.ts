// A cloned disk (dd of the first onto the second): two ESPs with one PARTUUID or one filesystem
// UUID. Every program must say so with the fix instead of picking one by device order.
import { execa } from 'execa';
import t from 'tap';
import { main as bind } from '../../src/cli/bind.js';
import { main as esp } from '../../src/cli/esp.js';
import { main as status } from '../../src/cli/status.js';
import { main as sync } from '../../src/cli/sync.js';
import { runProgram, twoDiskMachine } from '../helpers/sim.js';
import { snapshot, writeTree } from '../helpers/tree.js';

const SAME: [string, string] = [
  '6c0f3c1e-8d1b-4b8e-9a57-2f1d0c1e7a01',
  '6c0f3c1e-8d1b-4b8e-9a57-2f1d0c1e7a01',
];

t.test('two ESPs with one PARTUUID: esp, sync, bind and status refuse with the fix', async (t) => {
  const m = await twoDiskMachine(t, { partUuids: SAME });
  writeTree(m.efi[0]!, { 'vmlinuz-linux': 'new kernel' });
  writeTree(m.efi[1]!, { 'vmlinuz-linux': 'old kernel' });
  const clone = new RegExp(
    `have the same PARTUUID ${SAME[0]}: one disk is a clone of the other[\\s\\S]*fix: give ${m.disks[1]!.parts[0]!.device} a new partition GUID: sfdisk --part-uuid ${m.disks[1]!.loop} 1`,
  );
  const list = await runProgram(esp, 'dualroot-esp', [], m.env);
  t.equal(list.code, 1);
  t.match(list.stderr, clone);

  const before = snapshot(m.efi[1]!);
  const copy = await runProgram(sync, 'dualroot-sync', [], m.env);
  t.equal(copy.code, 1);
  t.match(copy.stderr, clone);
  t.same(snapshot(m.efi[1]!), before, 'neither ESP was copied over the other');

  const bound = await runProgram(bind, 'dualroot-bind', [], m.env);
  t.equal(bound.code, 1);
  t.match(bound.stderr, clone);

  const checked = await runProgram(status, 'dualroot-status', ['--json'], m.env);
  t.equal(checked.code, 3);
  t.ok(
    JSON.parse(checked.stdout).checks.some(
      (c: { level: string; message: string; fix?: string }) =>
        c.level === 'problem' && clone.test(`${c.message}; fix: ${c.fix ?? ''}`),
    ),
    'status names the clone as a problem',
  );
});

t.test('two ESPs with one filesystem UUID (FAT serial): the fix is mlabel -N', async (t) => {
  const m = await twoDiskMachine(t);
  const [d0, d1] = m.disks.map((d) => d.parts[0]!);
  const uuid = (await execa('blkid', ['-p', '-s', 'UUID', '-o', 'value', d0!.device])).stdout.trim();
  await execa('umount', [m.efi[1]!]);
  await execa('mkfs.ext4', ['-q', '-F', '-U', uuid, d1!.device]);
  await execa('mount', [d1!.device, m.efi[1]!]);
  const list = await runProgram(esp, 'dualroot-esp', [], m.env);
  t.equal(list.code, 1);
  t.match(list.stderr, `have the same filesystem UUID ${uuid}`);
  t.match(list.stderr, `fix: give ${d1!.device} a new FAT serial: mlabel -N`);
});
