// Builds simulated disks for integration tests: GPT images on loop devices with real filesystems,
// mounted inside the private mount namespace the test command runs in (see package.json "test").
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Test } from 'tap';
import type { Io } from '../../src/cli/output.js';

export const ESP_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
export const LINUX_TYPE = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
const LOADER_VAR = 'LoaderDevicePartUUID-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f';

/** A partition to create: ESP or Linux type, size, filesystem. */
export interface PartSpec {
  type: 'esp' | 'linux';
  sizeMiB: number;
  /** Partition GUID to give it (default: random). */
  partUuid?: string;
  fs?: 'ext4' | 'xfs' | 'btrfs' | 'none';
}

/** A created partition. */
export interface Part {
  device: string;
  partUuid: string;
}

/** A created disk. */
export interface Disk {
  image: string;
  loop: string;
  parts: Part[];
}

const stacks = new WeakMap<Test, (() => Promise<unknown> | unknown)[]>();

/** Registers cleanup work for the end of a test; runs last-registered first, even when the test fails. */
export function defer(t: Test, fn: () => Promise<unknown> | unknown): void {
  let stack = stacks.get(t);
  if (!stack) {
    const fresh: (() => Promise<unknown> | unknown)[] = [];
    stacks.set(t, fresh);
    t.teardown(async () => {
      for (const step of fresh.reverse()) await step();
    });
    stack = fresh;
  }
  stack.push(fn);
}

/** A scratch directory; at teardown every mount under it is lazily unmounted, then it is removed. */
export function scratch(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'dualroot-test-'));
  defer(t, async () => {
    // Mounts made by the programs under test (e.g. the /boot bind) are not registered: sweep them all.
    await execa('umount', ['-R', '-l', dir], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Runs a command, retrying briefly: loop device allocation races with other users of the machine. */
async function retry(file: string, args: string[]): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const result = await execa(file, args, { reject: attempt >= 5 });
    if (result.exitCode === 0) return result.stdout.trim();
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
}

/** Creates a GPT image with partitions, attaches it to a loop device, adds its partitions, makes filesystems. */
export async function makeDisk(t: Test, dir: string, parts: PartSpec[]): Promise<Disk> {
  const image = join(dir, `disk-${randomUUID().slice(0, 8)}.img`);
  const total = parts.reduce((sum, p) => sum + p.sizeMiB, 2);
  await execa('truncate', ['-s', `${total}M`, image]);
  const uuids = parts.map((p) => p.partUuid ?? randomUUID());
  const script = [
    'label: gpt',
    ...parts.map(
      (p, i) => `size=${p.sizeMiB}MiB, type=${p.type === 'esp' ? ESP_TYPE : LINUX_TYPE}, uuid=${uuids[i]}`,
    ),
  ].join('\n');
  await execa('sfdisk', ['-q', image], { input: `${script}\n` });
  const loop = await retry('losetup', ['-f', '--show', image]);
  defer(t, async () => {
    // Every mount of its partitions must go first (binds made by the code under test too), or the
    // partitions stay busy and the next user of this loop device finds them still there.
    // Last partition first: a later one may be mounted inside an earlier one (/home in the root).
    for (let i = parts.length; i >= 1; i--) await execa('umount', ['-A', `${loop}p${i}`], { reject: false });
    await execa('partx', ['-d', loop], { reject: false });
    await execa('losetup', ['-d', loop], { reject: false });
  });
  await retry('partx', ['-a', loop]);
  const created: Part[] = [];
  // The test's own view of /sys/class/block (DUALROOT_SYSFS=dir/sys): only its disks, so block
  // devices of anything else running on this machine never show up in its results.
  const view = join(dir, 'sys/class/block');
  mkdirSync(view, { recursive: true });
  for (const [i, p] of parts.entries()) {
    const device = `${loop}p${i + 1}`;
    const name = device.slice('/dev/'.length);
    symlinkSync(`/sys/class/block/${name}`, join(view, name));
    const fs = p.fs ?? 'ext4';
    if (fs === 'ext4') await execa('mkfs.ext4', ['-q', '-F', device]);
    if (fs === 'btrfs') await execa('mkfs.btrfs', ['-q', '-f', device]);
    if (fs === 'xfs') await execa('mkfs.xfs', ['-q', '-f', device]);
    created.push({ device, partUuid: uuids[i]! });
  }
  return { image, loop, parts: created };
}

/** Mounts a device (or binds a directory with extra options) and unmounts it at teardown. */
export async function mount(t: Test, source: string, target: string, options: string[] = []): Promise<void> {
  mkdirSync(target, { recursive: true });
  await execa('mount', [...options, source, target]);
  defer(t, () => execa('umount', [target], { reject: false }));
}

/** An efivarfs-like directory whose LoaderDevicePartUUID names a partition (as systemd-boot writes it). */
export function efivarsFor(dir: string, partUuid: string): string {
  const efivars = join(dir, 'efivars');
  mkdirSync(efivars, { recursive: true });
  const text = Buffer.from(`${partUuid.toUpperCase()}\0`, 'utf16le');
  writeFileSync(join(efivars, LOADER_VAR), Buffer.concat([Buffer.from([7, 0, 0, 0]), text]));
  return efivars;
}

/** Captured output of an in-process program run. */
export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program's main in-process with its own environment and captures its output. */
export async function runProgram(
  main: (argv: string[], io: Io) => Promise<number>,
  program: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<Captured> {
  const { runMain } = await import('../../src/cli/run.js');
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMain(program, main, argv, {
    env,
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** A two-disk machine: two ESPs (ext4 here: the host has no vfat) at root/efi0 and root/efi1, booted from disk 0. */
export interface SimMachine {
  root: string;
  disks: Disk[];
  efi: string[];
  efivars: string;
  config: string;
  runDir: string;
  /** Its fstab (DUALROOT_FSTAB): both ESPs by PARTUUID, with nofail. */
  fstab: string;
  env: NodeJS.ProcessEnv;
}

/** Builds and mounts a simulated two-disk machine inside the test's scratch directory. */
export async function twoDiskMachine(
  t: Test,
  options: {
    espMiB?: number | [number, number];
    mountEfi1?: boolean;
    config?: string;
    partUuids?: [string, string];
  } = {},
): Promise<SimMachine> {
  const root = scratch(t);
  const sizes = Array.isArray(options.espMiB) ? options.espMiB : [options.espMiB ?? 32, options.espMiB ?? 32];
  const disks: Disk[] = [];
  for (const i of [0, 1]) {
    const partUuid = options.partUuids?.[i];
    disks.push(
      await makeDisk(t, root, [{ type: 'esp', sizeMiB: sizes[i]!, ...(partUuid ? { partUuid } : {}) }]),
    );
  }
  const efi = [join(root, 'efi0'), join(root, 'efi1')];
  await mount(t, disks[0]!.parts[0]!.device, efi[0]!);
  if (options.mountEfi1 !== false) await mount(t, disks[1]!.parts[0]!.device, efi[1]!);
  else mkdirSync(efi[1]!, { recursive: true });
  mkdirSync(join(root, 'boot'), { recursive: true });
  for (const dir of efi) rmSync(join(dir, 'lost+found'), { recursive: true, force: true });
  const efivars = efivarsFor(root, disks[0]!.parts[0]!.partUuid);
  const config = join(root, 'dualroot.conf');
  writeFileSync(config, options.config ?? `[bind]\ntarget = ${join(root, 'boot')}\n`, { mode: 0o644 });
  const runDir = join(root, 'run');
  // The fstab of a machine set up as docs/arch-install.md says: both ESPs by PARTUUID, with nofail.
  const fstab = join(root, 'fstab');
  writeFileSync(
    fstab,
    disks
      .map(
        (d, i) => `PARTUUID=${d.parts[0]!.partUuid} ${efi[i]} ext4 nofail,x-systemd.device-timeout=10s 0 2\n`,
      )
      .join(''),
  );
  return {
    root,
    disks,
    efi,
    efivars,
    config,
    runDir,
    fstab,
    env: {
      PATH: process.env.PATH,
      DUALROOT_CONFIG: config,
      DUALROOT_EFIVARS: efivars,
      DUALROOT_ESP_ROOT: root,
      DUALROOT_SYSFS: join(root, 'sys'),
      DUALROOT_RUN_DIR: runDir,
      DUALROOT_FSTAB: fstab,
    },
  };
}
