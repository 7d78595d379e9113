import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as sync } from '../../src/cli/sync.js';
import { btrfsRaid1, loseDisk } from '../helpers/btrfs-raid.js';
import { mount, runProgram } from '../helpers/sim.js';
import { CAPTURED_PARTUUIDS, healthyMachine, runStatus } from '../helpers/status-machine.js';
import { bytes, writeTree } from '../helpers/tree.js';

const PARTUUIDS = CAPTURED_PARTUUIDS;
const run = runStatus;
const healthy = healthyMachine;

t.test('healthy machine: exit 0, every check ok, Prometheus metrics written atomically', async (t) => {
  const m = await healthy(t);
  const prom = join(m.root, 'dualroot.prom');
  const result = await run(m.envx, '--prometheus', prom);
  t.equal(result.code, 0, result.stdout);
  t.match(result.stdout, /^healthy: this machine can boot from either disk$/m);
  t.notMatch(result.stdout, /^(problem|warning)/m);
  t.match(result.stdout, /^ok {7}entries {3}\/dev\/loop\d+p1: Boot0006 "probe-disk0"$/m);
  t.match(
    result.stdout,
    /^ok {7}sync {6}esp: .*efi1 matches .*efi0 \(\d+ entries, names, sizes and times\)$/m,
  );
  const text = readFileSync(prom, 'utf8');
  t.match(text, /^dualroot_degraded 0$/m);
  t.match(text, new RegExp(`^dualroot_esp_present\\{mount="${m.efi[1]}"\\} 1$`, 'm'));
  t.match(
    text,
    new RegExp(`^dualroot_destination_in_sync\\{item="esp",destination="${m.efi[1]}"\\} 1$`, 'm'),
  );
  t.match(text, /^dualroot_last_sync_success_timestamp_seconds\{item="esp",destination=".*"\} \d{10}$/m);
  t.match(text, /^dualroot_boot_entry_present\{partuuid="2501309a-e669-42ad-82ce-06032008c705"\} 1$/m);
  const json = JSON.parse((await run(m.envx, '--json')).stdout);
  t.match(json, { healthy: true, exitCode: 0 });
  t.ok(json.checks.every((c: { level: string }) => c.level === 'ok'));
});

t.test(
  'one file changed: the fast check and --verify find it; a same-size, same-time change only --verify',
  async (t) => {
    const m = await healthy(t);
    writeFileSync(join(m.efi[1]!, 'loader/entries/arch.conf'), 'title Arch Linux (edited)\n');
    const fast = await run(m.envx);
    t.equal(fast.code, 3);
    t.match(
      fast.stdout,
      /^problem {2}sync {6}esp: .*efi1 differs from .*efi0 by names, sizes and times: differs loader\/entries\/arch.conf$/m,
    );
    t.match(fast.stdout, /fix: run dualroot-sync/);
    t.match(
      (await run(m.envx, '--verify')).stdout,
      /by contents \(sha256\): differs loader\/entries\/arch.conf/,
    );
    await runProgram(sync, 'dualroot-sync', [], m.envx);
    // Flip bytes in place, keeping size and time: what bit rot or a bad write looks like.
    const kernel = join(m.efi[1]!, 'vmlinuz-linux');
    const before = (await import('node:fs')).statSync(kernel);
    const data = readFileSync(kernel);
    data[1000] = (data[1000]! + 1) % 256;
    writeFileSync(kernel, data);
    utimesSync(kernel, before.atime, before.mtime);
    t.equal((await run(m.envx)).code, 0, 'names, sizes and times cannot see it');
    const verify = await run(m.envx, '--verify');
    t.equal(verify.code, 3);
    t.match(verify.stdout, /differs from .* by contents \(sha256\): differs vmlinuz-linux$/m);
  },
);

t.test('destination unmounted: degraded (exit 3) with the fix; fstab without nofail: warning', async (t) => {
  const m = await healthy(t);
  writeFileSync(m.envx.DUALROOT_FSTAB!, `PARTUUID=${PARTUUIDS[1]} ${m.efi[1]} vfat umask=0077 0 2\n`);
  const warned = await run(m.envx);
  t.equal(warned.code, 0, 'a warning alone is not degraded');
  t.match(
    warned.stdout,
    /^warning {2}fstab {5}.*fstab line 1 mounts .*efi1 without nofail: if that disk dies, the boot stops in emergency mode$/m,
  );
  t.match(warned.stdout, /fix: add nofail,x-systemd.device-timeout=10s/);
  t.match(warned.stdout, /healthy: .* \(1 warning\)/);
  await execa('umount', [m.efi[1]!]);
  const degraded = await run(m.envx, '--json');
  t.equal(degraded.code, 3);
  const checks = JSON.parse(degraded.stdout).checks as { check: string; level: string; message: string }[];
  t.ok(
    checks.some((c) => c.check === 'esps' && c.level === 'problem' && /efi1 is not mounted/.test(c.message)),
  );
  t.ok(
    checks.some((c) => c.check === 'sync' && c.level === 'problem' && /not a mount point/.test(c.message)),
  );
  // Its ESP is still there, unmounted: one of this machine's disks (fstab names it), not a stick.
  const esp = checks.find(
    (c) => c.check === 'esps' && /is not mounted at any ESP mount point/.test(c.message),
  );
  t.match(esp?.message, `(fstab line 1 mounts it at ${m.efi[1]})`);
  t.notMatch(JSON.stringify(esp), /removable media/);
});

t.test(
  'root btrfs RAID1: a missing device, then single chunks written while degraded, are problems',
  async (t) => {
    const m = await healthy(t);
    const { a, b } = await btrfsRaid1(t, m.root);
    const root = join(m.root, 'raidroot');
    await mount(t, a.parts[0]!.device, root);
    const ok = await run({ ...m.envx, DUALROOT_ROOT: root });
    t.match(ok.stdout, /^ok {7}root {6}root RAID1 healthy: 2 of 2 devices present, data RAID1$/m);
    await execa('umount', [root]);
    await loseDisk(b);
    await mount(t, a.parts[0]!.device, root, ['-o', 'degraded']);
    const degraded = await run({ ...m.envx, DUALROOT_ROOT: root });
    t.equal(degraded.code, 3);
    t.match(degraded.stdout, /^problem {2}root {6}root RAID1 is degraded: 1 of 2 devices present$/m);

    // Written while degraded: btrfs allocates single chunks, which stay on one disk after it returns.
    writeFileSync(join(root, 'written-degraded'), randomBytes(64 << 20));
    await execa('umount', [root]);
    await execa('partx', ['-a', b.loop]);
    await execa('btrfs', ['device', 'scan']);
    await mount(t, a.parts[0]!.device, root);
    const back = await run({ ...m.envx, DUALROOT_ROOT: root });
    t.equal(back.code, 3, 'single chunks on a complete RAID1 are a problem');
    t.match(
      back.stdout,
      /^problem {2}root {6}root RAID1 has every device \(2 of 2 devices present\) but chunks on one disk only \(Data: single\), written while it ran degraded$/m,
    );
    t.match(back.stdout, /btrfs balance start -dconvert=raid1,soft -mconvert=raid1,soft /);
    await execa('btrfs', ['balance', 'start', '-dconvert=raid1,soft', '-mconvert=raid1,soft', root]);
    const balanced = await run({ ...m.envx, DUALROOT_ROOT: root });
    t.match(balanced.stdout, /^ok {7}root {6}root RAID1 healthy: 2 of 2 devices present, data RAID1$/m);
  },
);

t.test(
  'a check that cannot run is a problem of that check; the others run and metrics are written',
  async (t) => {
    const m = await healthy(t);
    // A mount table that calls efi1 (ext4 here) btrfs, and efi1 as the root: the real btrfs-progs fail on it.
    const mountinfo = join(m.root, 'mountinfo');
    writeFileSync(
      mountinfo,
      readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => (l.split(' ')[4] === m.efi[1] ? l.replace(/ - \S+ /, ' - btrfs ') : l))
        .join('\n'),
    );
    const prom = join(m.root, 'dualroot.prom');
    const env = { ...m.envx, DUALROOT_MOUNTINFO: mountinfo, DUALROOT_ROOT: m.efi[1]! };
    const result = await run(env, '--prometheus', prom);
    t.equal(result.code, 3, 'a check that could not run makes the machine not known to be safe');
    t.match(result.stdout, /^problem {2}root {6}could not check root: btrfs filesystem show .* failed: /m);
    t.notMatch(result.stdout + result.stderr, /unexpected failure|\n\s+at /, 'no stack trace');
    t.match(result.stdout, /^ok {7}entries /m, 'the other checks ran');
    t.match(readFileSync(prom, 'utf8'), /^dualroot_degraded 1$/m, 'metrics were written');

    // The same btrfs root on a system without btrfs-progs (an optional dependency): say what to install.
    const bin = join(m.root, 'bin-without-btrfs');
    mkdirSync(bin);
    for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean))
      for (const name of existsSync(dir) ? readdirSync(dir) : [])
        if (!name.startsWith('btrfs') && !existsSync(join(bin, name)))
          symlinkSync(join(dir, name), join(bin, name));
    const path = process.env.PATH;
    process.env.PATH = bin;
    try {
      const noBtrfs = await run(env);
      t.equal(noBtrfs.code, 3);
      t.match(
        noBtrfs.stdout,
        /^problem {2}root {6}could not check root: the root .* is btrfs but the btrfs command is missing, .*: install btrfs-progs$/m,
      );
    } finally {
      process.env.PATH = path;
    }
  },
);

t.test('an ESP without room for the next upgrade of its largest kernel set is a warning', async (t) => {
  const m = await healthy(t, [32, 8]);
  writeTree(m.efi[0]!, { 'vmlinuz-linux': bytes(2_000_000, 5), 'initramfs-linux.img': bytes(2_500_000, 6) });
  t.equal((await runProgram(sync, 'dualroot-sync', [], m.envx)).code, 0, 'the set fits once');
  const prom = join(m.root, 'dualroot.prom');
  const result = await run(m.envx, '--prometheus', prom);
  t.equal(result.code, 0, 'a warning, not lost redundancy');
  t.match(
    result.stdout,
    new RegExp(
      `^warning {2}space {5}${m.efi[1]} has \\d\\.\\d MiB free, but the next upgrade of kernel linux \\(vmlinuz-linux, initramfs-linux\\.img: 4\\.\\d MiB\\) needs about 4\\.\\d MiB`,
      'm',
    ),
  );
  t.match(
    readFileSync(prom, 'utf8'),
    new RegExp(`^dualroot_esp_free_bytes\\{destination="${m.efi[1]}"\\} \\d+$`, 'm'),
  );
  const roomy = await healthy(t);
  t.notMatch((await run(roomy.envx)).stdout, /^warning space/m, 'a 32 MiB ESP has room for this set');
});

t.test('the .~tmp~ staging directory of a sync running now is not an extra file', async (t) => {
  const m = await healthy(t);
  writeTree(m.efi[1]!, { '.~tmp~/vmlinuz-linux': bytes(1000, 3), 'loader/.~tmp~/entries/new.conf': 'x' });
  const result = await run(m.envx);
  t.equal(result.code, 0, result.stdout);
  t.match(result.stdout, /^ok {7}sync {6}esp: .*efi1 matches .*efi0/m);
});

t.test('one run reads the machine once: each block device is probed by blkid once', async (t) => {
  const m = await healthy(t);
  // A blkid that logs each device it is asked about, then is the real blkid.
  const real = (await execa('sh', ['-c', 'command -v blkid'])).stdout.trim();
  const bin = join(m.root, 'bin-logging-blkid');
  const log = join(m.root, 'blkid.log');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'blkid'),
    `#!/bin/sh\nfor a in "$@"; do case "$a" in /dev/*) echo "$a" >> '${log}';; esac; done\nexec '${real}' "$@"\n`,
    { mode: 0o755 },
  );
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  try {
    const result = await run(m.envx);
    t.equal(result.code, 0, result.stdout);
  } finally {
    process.env.PATH = path;
  }
  const probed = readFileSync(log, 'utf8').trim().split('\n').sort();
  const devices = m.disks.map((d) => d.parts[0]!.device).sort();
  t.same(probed, devices, 'each ESP probed exactly once');
});
