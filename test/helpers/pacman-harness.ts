// A throwaway machine for real pacman transactions: two ESP-like filesystems on loop devices,
// dualroot installed with packaging/install.sh, and pacman run with root "/" inside a private
// mount namespace so its hooks run un-chrooted, exactly as on a booted Arch system.
//
// Why root "/": pacman chroots into its root to run hooks, and a hook in a chroot must only print
// "Skipped:". Why it cannot touch the host: the namespace overlays /usr (adding the installed
// dualroot files, with a writable layer on a tmpfs), mounts the ESPs and /boot, and remounts "/"
// read-only: every write pacman can make lands on a mount this harness made, and all of them
// vanish with the namespace.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type Options, type Result } from 'execa';
import type { Test } from 'tap';
import { ensureBuilt, runInstall } from './packaging-install.js';
import { buildPackage } from './pacman-packages.js';
import { defer, efivarsFor, makeDisk, scratch } from './sim.js';

/** A private mount namespace held open by a sleeping process; commands enter it with nsenter. */
export interface MountNamespace {
  pid: number;
  /**
   * Runs a command in the namespace with exactly `env` (plus a root shell's PATH and LANG) as its
   * environment. Nothing is inherited: tap injects NODE_OPTIONS into every child process (its
   * process-info loader), and the node programs pacman's hooks start must not load it.
   */
  run(file: string, args: string[], env?: Record<string, string>, options?: Options): Promise<Result>;
}

const rootPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Starts a private mount namespace that lives until the test ends (then every mount in it goes). */
export async function mountNamespace(t: Test): Promise<MountNamespace> {
  const holder = execa('unshare', ['--mount', '--propagation', 'private', '--', 'sleep', 'infinity'], {
    reject: false,
  });
  const pid = holder.pid;
  if (pid === undefined) throw new Error('unshare did not start');
  // unshare execs sleep in the same process once the namespace exists: wait for that.
  const self = await execa('readlink', ['/proc/self/ns/mnt']);
  for (let i = 0; ; i++) {
    const ns = await execa('readlink', [`/proc/${pid}/ns/mnt`], { reject: false });
    const comm = await execa('cat', [`/proc/${pid}/comm`], { reject: false });
    if (ns.stdout && ns.stdout !== self.stdout && comm.stdout.trim() === 'sleep') break;
    if (i > 100) throw new Error(`unshare --mount did not create a namespace: ${(await holder).stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  defer(t, async () => {
    holder.kill('SIGKILL');
    await holder;
  });
  return {
    pid,
    run: (file, args, env = {}, options = {}) => {
      const vars = Object.entries({ PATH: rootPath, LANG: 'C.UTF-8', ...env }).map(([k, v]) => `${k}=${v}`);
      return execa('nsenter', [`--target=${pid}`, '--mount', '--', 'env', '-i', ...vars, file, ...args], {
        reject: false,
        all: true,
        ...options,
      });
    },
  };
}

/** Runs in the namespace and throws with the output when the command fails (setup steps). */
async function must(ns: MountNamespace, file: string, args: string[]): Promise<string> {
  const r = await ns.run(file, args);
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.exitCode}): ${r.all}`);
  return String(r.stdout);
}

/** Builds dualroot-test-kernel, which installs boot/vmlinuz-test (its content names the version). */
export function buildBootPackage(t: Test, version: number): Promise<string> {
  // The content names the version, so an upgrade visibly replaces the file on every ESP.
  return buildPackage(t, {
    name: 'dualroot-test-kernel',
    version,
    files: { 'boot/vmlinuz-test': `test kernel ${version}\n` },
  });
}

/** What /boot is at the start of a scenario. */
export type BootState = 'booted-esp' | 'other-esp' | 'unmounted';

/** A machine ready for pacman transactions. */
export interface PacmanMachine {
  ns: MountNamespace;
  root: string;
  /** ESP mount points (inside the namespace); efi[0] is the booted one. */
  efi: string[];
  /** Devices of the two ESPs. */
  devices: string[];
  runDir: string;
  config: string;
  /** A writable tmpfs inside the namespace for scratch state (pacman's database, the chroot). */
  state: string;
  env: Record<string, string>;
  /** Runs pacman with the machine's pacman.conf and environment. */
  pacman(args: string[], env?: Record<string, string>): Promise<Result>;
  /** Reads a file inside the namespace; undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
}

export interface PacmanMachineOptions {
  boot?: BootState;
  /** Mount the second ESP (false: it is an empty directory, like a dead disk's mount point). */
  mountEfi1?: boolean;
  /** Extra dualroot.conf text appended after [esp] mounts. */
  config?: string;
  /** Size of each ESP partition in MiB (default 32; the window benchmark needs room for real kernels). */
  espMiB?: number;
}

/**
 * Builds the machine: dualroot installed (install.sh into a staging tree overlaid on /usr), two
 * GPT disks with an ESP-type partition each (ext4: this kernel has no vfat), an efivars directory
 * whose LoaderDevicePartUUID names disk 0's partition (unique to this test, so parallel runs never
 * see two disks with one PARTUUID), and a pacman.conf whose database, cache and log live on a
 * tmpfs.
 */
export async function pacmanMachine(t: Test, options: PacmanMachineOptions = {}): Promise<PacmanMachine> {
  await ensureBuilt();
  const root = scratch(t);
  const stage = join(root, 'stage');
  const installed = await runInstall(stage);
  if (installed.exitCode !== 0) throw new Error(`install.sh failed: ${installed.all}`);

  const disks = [
    await makeDisk(t, root, [{ type: 'esp', sizeMiB: options.espMiB ?? 32 }]),
    await makeDisk(t, root, [{ type: 'esp', sizeMiB: options.espMiB ?? 32 }]),
  ];
  const devices = disks.map((d) => d.parts[0]!.device);
  const efi = [join(root, 'efi0'), join(root, 'efi1')];
  const state = join(root, 'state');
  for (const dir of [...efi, state]) mkdirSync(dir, { recursive: true });
  const efivars = efivarsFor(root, disks[0]!.parts[0]!.partUuid);
  const config = join(root, 'dualroot.conf');
  writeFileSync(config, `[esp]\nmounts = ${efi.join(', ')}\n${options.config ?? ''}`, { mode: 0o644 });
  const runDir = join(state, 'run');
  const conf = join(root, 'pacman.conf');
  writeFileSync(
    conf,
    [
      '[options]',
      'RootDir = /',
      `DBPath = ${state}/db/`,
      `CacheDir = ${state}/cache/`,
      `LogFile = ${state}/pacman.log`,
      `GPGDir = ${state}/gnupg/`,
      // The repository hooks reach pacman through the overlaid /usr/share/libalpm/hooks, the
      // system hook directory; no other hook directory exists on the test host.
      `HookDir = ${state}/hooks/`,
      'Architecture = auto',
      'SigLevel = Never',
      'LocalFileSigLevel = Never',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );

  const ns = await mountNamespace(t);
  // Order matters: everything that must stay writable is mounted before "/" goes read-only.
  await must(ns, 'mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'dualroot-test-state', state]);
  await must(ns, 'mkdir', ['-p', `${state}/db`, `${state}/cache`, `${state}/hooks`, runDir]);
  await must(ns, 'mount', [devices[0]!, efi[0]!]);
  if (options.mountEfi1 !== false) await must(ns, 'mount', [devices[1]!, efi[1]!]);
  for (const dir of efi) await must(ns, 'rm', ['-rf', join(dir, 'lost+found')]);
  // An ESP holds its boot loader besides the kernels (bootctl install): removing the test kernel is
  // then an ordinary change, not the deletion of the whole ESP that the sync's guard refuses.
  await must(ns, 'sh', ['-c', `mkdir -p ${efi[0]}/EFI/BOOT && echo loader > ${efi[0]}/EFI/BOOT/BOOTX64.EFI`]);
  // /usr with a writable layer on the tmpfs: packages may install there (kernel modules, firmware).
  await must(ns, 'mkdir', [`${state}/usr-upper`, `${state}/usr-work`]);
  await must(ns, 'mount', [
    '-t',
    'overlay',
    'dualroot-test-usr',
    '-o',
    `lowerdir=${stage}/usr:/usr,upperdir=${state}/usr-upper,workdir=${state}/usr-work`,
    '/usr',
  ]);
  // pacman runs ldconfig after a transaction on root "/" (it writes /etc/ld.so.cache): give /etc a
  // throwaway writable layer instead of letting it fail on the read-only root.
  await must(ns, 'mkdir', [`${state}/etc-upper`, `${state}/etc-work`]);
  await must(ns, 'mount', [
    '-t',
    'overlay',
    'dualroot-test-etc',
    '-o',
    `lowerdir=/etc,upperdir=${state}/etc-upper,workdir=${state}/etc-work`,
    '/etc',
  ]);
  // A standard directory; a minimal CI image might lack it, and mounts need a directory to cover.
  mkdirSync('/boot', { recursive: true });
  const boot = options.boot ?? 'booted-esp';
  if (boot === 'booted-esp') await must(ns, 'mount', ['--bind', efi[0]!, '/boot']);
  if (boot === 'other-esp') await must(ns, 'mount', ['--bind', efi[1]!, '/boot']);
  await must(ns, 'mount', ['-o', 'remount,bind,ro', '/']);

  const env = {
    DUALROOT_CONFIG: config,
    DUALROOT_EFIVARS: efivars,
    DUALROOT_RUN_DIR: runDir,
  };
  return {
    ns,
    root,
    efi,
    devices,
    runDir,
    config,
    state,
    env,
    pacman: (args, extra = {}) =>
      ns.run('pacman', ['--config', conf, '--noconfirm', '--color', 'never', ...args], { ...env, ...extra }),
    read: async (path) => {
      const r = await ns.run('cat', [path], {}, { stripFinalNewline: false });
      return r.exitCode === 0 ? String(r.stdout) : undefined;
    },
  };
}

/**
 * A new system being installed, as with pacstrap/arch-chroot: a root directory with the host's
 * /usr (dualroot included) and /proc, /sys, /dev bound in, and its own pacman database. pacman
 * with --root there runs the hooks chrooted into it, where they must only say "Skipped:".
 */
export async function chrootTarget(
  m: PacmanMachine,
): Promise<{ root: string; pacman(args: string[]): Promise<Result> }> {
  const root = join(m.state, 'chroot');
  const ns = m.ns;
  await must(ns, 'mkdir', [
    '-p',
    ...['usr', 'proc', 'sys', 'dev', 'etc', 'tmp', 'boot', 'var/lib/pacman'].map((d) => join(root, d)),
  ]);
  // Debian and Arch both have a merged /usr: the top-level directories are symlinks into it.
  for (const link of ['bin', 'sbin', 'lib', 'lib64'])
    await must(ns, 'ln', ['-s', `usr/${link}`, join(root, link)]);
  for (const dir of ['usr', 'proc', 'sys', 'dev'])
    await must(ns, 'mount', ['--rbind', `/${dir}`, join(root, dir)]);
  // dualroot tells a chroot by comparing / with /proc/1/root, as systemd-detect-virt does. Some
  // sandboxes (this project's build machines among them) deny root access to PID 1's root link
  // (EACCES); dualroot then cannot tell and acts as on the booted system. There, point its
  // DUALROOT_PROC at a directory whose "1" is the namespace holder, a process outside the chroot
  // that we may inspect: the same real magic link, from a process that is not PID 1.
  const env: Record<string, string> = { ...m.env };
  const pid1 = await ns.run('stat', ['-L', '/proc/1/root']);
  if (pid1.exitCode !== 0) {
    const proc = join(root, 'dualroot-test-proc');
    await must(ns, 'mkdir', [proc]);
    await must(ns, 'ln', ['-s', `/proc/${ns.pid}`, join(proc, '1')]);
    await must(ns, 'ln', ['-s', '/proc/self', join(proc, 'self')]);
    env.DUALROOT_PROC = '/dualroot-test-proc';
  }
  const conf = join(m.state, 'pacman-chroot.conf');
  await must(ns, 'sh', [
    '-c',
    'printf "%s\\n" "$@" >"$0"',
    conf,
    '[options]',
    `RootDir = ${root}`,
    `DBPath = ${root}/var/lib/pacman/`,
    `CacheDir = ${m.state}/cache/`,
    `LogFile = ${m.state}/pacman-chroot.log`,
    `GPGDir = ${m.state}/gnupg/`,
    'Architecture = auto',
    'SigLevel = Never',
    'LocalFileSigLevel = Never',
  ]);
  return {
    root,
    pacman: (args) => ns.run('pacman', ['--config', conf, '--noconfirm', '--color', 'never', ...args], env),
  };
}
