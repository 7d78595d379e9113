import { cpSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { main as esp } from '../../src/cli/esp.js';
import { runProgram, twoDiskMachine } from '../helpers/sim.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/efivars');
const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(esp, 'dualroot-esp', argv, env);

t.test('lists both ESPs of a two-disk machine and names the booted one', async (t) => {
  const m = await twoDiskMachine(t);
  const [d0, d1] = m.disks.map((d) => d.parts[0]!);
  const text = await run(m.env);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, `booted ESP: PARTUUID ${d0!.partUuid}, ${d0!.device} (disk ${m.disks[0]!.loop})`);
  t.match(text.stdout, /decided by: LoaderDevicePartUUID/);
  t.match(
    text.stdout,
    new RegExp(
      `^ {2}\\* ${d0!.device} .*PARTUUID ${d0!.partUuid} .*ext4 \\(not FAT!\\) {2}mounted at ${m.efi[0]}$`,
      'm',
    ),
  );
  t.match(text.stdout, new RegExp(`^ {4}${d1!.device} .*mounted at ${m.efi[1]}$`, 'm'));

  const json = JSON.parse((await run(m.env, '--json')).stdout);
  t.match(json, {
    booted: { partuuid: d0!.partUuid, evidence: 'LoaderDevicePartUUID', device: d0!.device, present: true },
    esps: [
      {
        device: d0!.device,
        disk: m.disks[0]!.loop,
        partition: 1,
        partuuid: d0!.partUuid,
        fstype: 'ext4',
        mounts: [m.efi[0]],
        booted: true,
      },
      { device: d1!.device, partuuid: d1!.partUuid, mounts: [m.efi[1]], booted: false },
    ],
  });
  t.match(json.esps[0].uuid, /^[0-9a-f-]{36}$/, 'filesystem UUID from blkid');
});

t.test('udev links, when present, decide which devices are probed', async (t) => {
  const m = await twoDiskMachine(t);
  const byPartUuid = join(m.root, 'by-partuuid');
  mkdirSync(byPartUuid);
  const d1 = m.disks[1]!.parts[0]!;
  symlinkSync(d1.device, join(byPartUuid, d1.partUuid));
  const json = JSON.parse((await run({ ...m.env, DUALROOT_BY_PARTUUID: byPartUuid }, '--json')).stdout);
  t.same(
    json.esps.map((e: { device: string }) => e.device),
    [d1.device],
    'only the linked partition',
  );
  t.match(json.booted, { present: false, device: null }, 'the booted ESP has no udev link here');
});

t.test('real fixtures on a machine without those disks: PARTUUID reported, device absent', async (t) => {
  const m = await twoDiskMachine(t);
  for (const [scenario, partuuid] of [
    ['both-entries-booted-disk0', '2501309a-e669-42ad-82ce-06032008c705'],
    ['disk1only-fallback-booted-disk1', 'dcd286f4-1c96-40ba-ac93-e4e3e0665751'],
  ]) {
    const text = await run(m.env, '--efivars', join(FIXTURES, scenario!));
    t.equal(text.code, 0);
    t.match(
      text.stdout,
      `booted ESP: PARTUUID ${partuuid}, device absent: no partition on this machine has that PARTUUID`,
    );
    const json = JSON.parse((await run(m.env, '--efivars', join(FIXTURES, scenario!), '--json')).stdout);
    t.match(json.booted, { partuuid, evidence: 'LoaderDevicePartUUID', device: null, present: false });
  }
});

t.test('two ESPs and no evidence: exit 1 listing what was checked; one ESP: single-esp', async (t) => {
  const m = await twoDiskMachine(t);
  const efivars = join(m.root, 'fallback');
  cpSync(join(FIXTURES, 'both-fallback-booted-disk0'), efivars, { recursive: true });
  rmSync(join(efivars, 'LoaderDevicePartUUID-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f'));
  const result = await run(m.env, '--efivars', efivars);
  t.equal(result.code, 1);
  t.match(result.stdout, /ESPs \(2\):/, 'still lists what it found');
  t.match(
    result.stderr,
    /cannot tell which ESP the firmware booted; checked: LoaderDevicePartUUID in .*: absent; BootCurrent: Boot0001 \("UEFI Misc Device"\) has no Hard Drive node: no evidence; ESPs present: /,
  );
  t.match(result.stderr, /fix: boot with a loader that sets LoaderDevicePartUUID/);
  const json = await run(m.env, '--efivars', efivars, '--json');
  t.equal(json.code, 1);
  t.match(JSON.parse(json.stdout), { booted: null, error: /cannot tell/ });
  // Take disk 1's partition out of this machine's view: one ESP left, and it is the booted one.
  rmSync(join(m.root, 'sys/class/block', m.disks[1]!.parts[0]!.device.slice(5)));
  const single = JSON.parse((await run(m.env, '--efivars', efivars, '--json')).stdout);
  t.match(single.booted, { evidence: 'single-esp', partuuid: m.disks[0]!.parts[0]!.partUuid });
});

t.test('--help prints usage and exits 0', async (t) => {
  const help = await run({}, '--help');
  t.equal(help.code, 0);
  t.match(help.stdout, /dualroot-esp \[options\].*--efivars/s);
});
