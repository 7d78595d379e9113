import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as bind } from '../../src/cli/bind.js';
import { mountAt } from '../../src/core/mountinfo.js';
import { readMountinfo } from '../../src/sys/mountinfo.js';
import { runProgram, twoDiskMachine } from '../helpers/sim.js';

const mountsAt = (path: string) => readMountinfo('/proc/self/mountinfo').filter((m) => m.mountPoint === path);
const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(bind, 'dualroot-bind', argv, env);

t.test('fresh bind, then idempotent, with --check and --test', async (t) => {
  const m = await twoDiskMachine(t);
  const boot = join(m.root, 'boot');
  const check = await run(m.env, '--check');
  t.equal(check.code, 1, '--check fails while /boot is not bound');
  t.match(check.stderr, /boot is not mounted; the booted ESP is at .*efi0/);
  const test = await run(m.env, '--test');
  t.equal(test.code, 0);
  t.match(test.stdout, `would run: mount --bind ${m.efi[0]} ${boot}`);
  t.equal(mountsAt(boot).length, 0, '--test mounted nothing');

  const first = await run(m.env);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, `bound ${m.efi[0]} (booted ESP ${m.disks[0]!.parts[0]!.device}) onto ${boot}`);
  const efi0 = mountAt(readMountinfo('/proc/self/mountinfo'), m.efi[0]!)!;
  t.equal(mountsAt(boot).length, 1);
  t.equal(mountsAt(boot)[0]!.majorMinor, efi0.majorMinor, '/boot is the booted ESP');

  const again = await run(m.env);
  t.equal(again.code, 0);
  t.match(again.stdout, /already the booted ESP.*nothing to do/);
  t.equal(mountsAt(boot).length, 1, 'no second mount stacked');
  t.equal((await run(m.env, '--check')).code, 0, '--check passes once bound');
  const json = await run(m.env, '--json');
  t.equal(json.code, 2, '--json is refused (usage error), not ignored');
  t.match(json.stderr, /dualroot-bind has no JSON output/);
});

t.test('a wrong mount on /boot is refused, never stacked', async (t) => {
  const m = await twoDiskMachine(t);
  const boot = join(m.root, 'boot');
  await execa('mount', ['--bind', m.efi[1]!, boot]);
  const result = await run(m.env);
  t.equal(result.code, 1);
  t.match(result.stderr, `boot is mounted from ${m.disks[1]!.parts[0]!.device} (ext4, device`);
  t.match(result.stderr, /not from the booted ESP .*fix: unmount it/s);
  t.equal(mountsAt(boot).length, 1, 'still exactly the one (wrong) mount');
  t.equal((await run(m.env, '--check')).code, 1);
});

t.test('booted ESP not mounted, or absent: exit 1 saying so', async (t) => {
  const m = await twoDiskMachine(t);
  await execa('umount', [m.efi[0]!]);
  const result = await run(m.env);
  t.equal(result.code, 1);
  t.match(
    result.stderr,
    /the booted ESP \/dev\/loop\d+p1 \(PARTUUID [0-9a-f-]+\) is not mounted at any ESP mount point/,
  );
  const efivars = join(m.root, 'efivars');
  writeFileSync(
    join(efivars, 'LoaderDevicePartUUID-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f'),
    Buffer.concat([
      Buffer.from([7, 0, 0, 0]),
      Buffer.from('01234567-89AB-CDEF-0123-456789ABCDEF\0', 'utf16le'),
    ]),
  );
  const absent = await run(m.env);
  t.equal(absent.code, 1);
  t.match(
    absent.stderr,
    /PARTUUID 01234567-89ab-cdef-0123-456789abcdef, from LoaderDevicePartUUID\) is not present/,
  );
});

t.test('pacman guard mode (--hook)', async (t) => {
  const m = await twoDiskMachine(t);
  const unbound = await run(m.env, '--hook');
  t.equal(unbound.code, 1, 'aborts the transaction');
  t.match(
    unbound.stderr,
    /^==> ERROR: .*boot is not mounted: a kernel installed now would land on the root filesystem/m,
  );
  t.match(unbound.stderr, /^ {2}fix: run dualroot-bind/m);
  t.match(unbound.stderr, /guard = false/);
  await run(m.env);
  const bound = await run(m.env, '--hook');
  t.equal(bound.code, 0);
  t.equal(bound.stderr, '');
  writeFileSync(m.config, '[bind]\nguard = false\n');
  const off = await run({ ...m.env }, '--hook', '--target', join(m.root, 'elsewhere'));
  t.equal(off.code, 0);
  t.match(off.stdout, /^ {2}Skipped: the guard is off/);
  rmSync(m.efivars, { recursive: true });
  const bios = await run(m.env, '--hook');
  t.equal(bios.code, 0);
  t.match(bios.stdout, /Skipped: not booted with UEFI/);
});
