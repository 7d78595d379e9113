// The UEFI lab's host side: builds the images (test/vm/build.sh), boots them in QEMU on OVMF with
// chosen disks attached, parses what the guest printed on the serial console, and reads the FAT
// ESPs with mtools afterwards. See docs/uefi-lab.md.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, execaSync } from 'execa';
import { qemuArgs, runQemu } from './qemu.js';

/** The repository root and the lab's directories. */
export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const vmDir = join(repo, 'test/vm');
/** Where build.sh keeps the images and downloads (DUALROOT_VM_CACHE or test/vm/cache). */
export const cacheDir = process.env.DUALROOT_VM_CACHE ?? join(vmDir, 'cache');
const workDir = join(vmDir, 'work');

/** Debian's OVMF: code (read-only) and the pristine variable store each machine copies. */
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

/** What build.sh wrote to golden/lab.json: the fixed identities of the lab's disks. */
export interface LabInfo {
  kernelVersion: string;
  diskGuids: [string, string];
  espPartuuids: [string, string];
  rootPartuuids: [string, string];
  rootFsUuid: string;
  espOffsetBytes: number;
}

/** Host files the lab needs, with the Debian package that provides each. */
const FILES: [string, string][] = [
  [OVMF_CODE, 'ovmf'],
  [OVMF_VARS, 'ovmf'],
  ['/usr/lib/systemd/boot/efi/systemd-bootx64.efi', 'systemd-boot-efi'],
];
/** Host programs the lab needs (found on PATH plus the sbin directories), with their packages. */
const PROGRAMS: [string, string][] = [
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['mcopy', 'mtools'],
  ['mkfs.fat', 'dosfstools'],
  ['mkfs.btrfs', 'btrfs-progs'],
  ['sfdisk', 'fdisk'],
  ['cpio', 'cpio'],
  ['zstd', 'zstd'],
  ['rsync', 'rsync'],
  ['efibootmgr', 'efibootmgr'],
];

/** Whether a program is on PATH or in the sbin directories (root's PATH may lack them under CI). */
function hasProgram(name: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  return dirs.some((dir) => dir !== '' && existsSync(join(dir, name)));
}

/** Missing prerequisites as "what (apt-get install package)" strings; empty when the lab can run. */
export function missingPrerequisites(): string[] {
  const missing = [
    ...FILES.filter(([path]) => !existsSync(path)),
    ...PROGRAMS.filter(([name]) => !hasProgram(name)),
  ].map(([what, pkg]) => `${what} (apt-get install ${pkg})`);
  if (process.getuid?.() !== 0) missing.push('root (build.sh uses loop devices to fill the btrfs root)');
  return missing;
}

/** Builds dist/ and the lab images (cached downloads; see build.sh) and returns the disk identities. */
export async function buildLab(): Promise<LabInfo> {
  // The guest runs the bundles from dist/, so build them from the current source first.
  await execa('node', ['scripts/build.js'], { cwd: repo, all: true }).catch((error) => {
    throw new Error(`npm run build failed, the lab needs dist/:\n${error.all ?? error.message}`);
  });
  await execa('bash', [join(vmDir, 'build.sh')], { cwd: repo, all: true }).catch((error) => {
    throw new Error(`test/vm/build.sh failed:\n${error.all ?? error.message}`);
  });
  return JSON.parse(readFileSync(join(cacheDir, 'golden/lab.json'), 'utf8')) as LabInfo;
}

/**
 * Builds the disks of scenario 5 (test/vm/build-systemd.sh: a Debian root with systemd as init, dualroot
 * installed by packaging/install.sh) on top of buildLab's; returns the identities (the same disks').
 */
export async function buildSystemdLab(): Promise<LabInfo> {
  await buildLab();
  await execa('bash', [join(vmDir, 'build-systemd.sh')], { cwd: repo, all: true }).catch((error) => {
    throw new Error(`test/vm/build-systemd.sh failed:\n${error.all ?? error.message}`);
  });
  return JSON.parse(readFileSync(join(cacheDir, 'golden-systemd/lab.json'), 'utf8')) as LabInfo;
}

/**
 * Builds the disks of scenario 9 (test/vm/build-md.sh: an ext4 root on an md RAID1 over both disks)
 * from buildLab's images, which must be current; returns their identities (rootFsUuid: the ext4's).
 */
export async function buildMdLab(): Promise<LabInfo> {
  await execa('bash', [join(vmDir, 'build-md.sh')], { cwd: repo, all: true }).catch((error) => {
    throw new Error(`test/vm/build-md.sh failed:\n${error.all ?? error.message}`);
  });
  return JSON.parse(readFileSync(join(cacheDir, 'golden-md/lab.json'), 'utf8')) as LabInfo;
}

/** One `run NAME cmd...` of the guest: exit code and output. */
export interface RunResult {
  exit: number;
  stdout: string;
  stderr: string;
}

/** What one boot printed, parsed. */
export interface Boot {
  /** The whole console log, escape sequences and CRs removed. */
  log: string;
  results: Map<string, string>;
  runs: Map<string, RunResult>;
  failures: string[];
  /** The guest reached @@END (steps ran and everything was unmounted). */
  ended: boolean;
  /** The firmware ended in the UEFI Shell instead of booting Linux. */
  shell: boolean;
  timedOut: boolean;
  /** What matched BootOptions.stopOn, if QEMU was stopped because of it. */
  stoppedOn?: string;
  /** QEMU was SIGKILLed by BootOptions.cut (a power cut). */
  cut: boolean;
  seconds: number;
  /** Path of the saved console log (kept for debugging failed runs). */
  logFile: string;
  /** The log of a first try that hung before the initramfs and was booted again, if there was one. */
  hungLog?: string;
}

/** Parses a serial console log into a Boot (all but timing fields). */
export function parseConsole(
  raw: string,
): Pick<Boot, 'log' | 'results' | 'runs' | 'failures' | 'ended' | 'shell'> {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: OVMF writes terminal escapes to the serial port
  const log = raw.replace(/\r/g, '').replace(/\x1b\[[0-9;?=]*[a-zA-Z]/g, '');
  const results = new Map<string, string>();
  const runs = new Map<string, RunResult>();
  const failures: string[] = [];
  let ended = false;
  for (const line of log.split('\n')) {
    const at = line.indexOf('@@');
    if (at < 0) continue;
    const marker = line.slice(at);
    let m = /^@@RESULT ([^=\s]+)=(.*)$/.exec(marker);
    if (m) results.set(m[1] ?? '', m[2] ?? '');
    m = /^@@RUN (\S+) exit=(\d+) stdout=(\S*) stderr=(\S*)$/.exec(marker);
    if (m)
      runs.set(m[1] ?? '', {
        exit: Number(m[2]),
        stdout: Buffer.from(m[3] ?? '', 'base64').toString('utf8'),
        stderr: Buffer.from(m[4] ?? '', 'base64').toString('utf8'),
      });
    if (marker.startsWith('@@FAIL')) failures.push(marker);
    if (marker.startsWith('@@END')) ended = true;
  }
  return { log, results, runs, failures, ended, shell: SHELL.test(log) };
}

// OVMF's UEFI Shell banner and prompt: the firmware found nothing it would boot.
const SHELL = /UEFI Interactive Shell|Shell> /;

/** Options for one boot. */
export interface BootOptions {
  /** Which disk slots are attached (0, 1); a missing slot is a removed disk. */
  disks: number[];
  /** Shell steps the guest runs (sourced with lab-lib.sh's helpers). Empty for no steps. */
  steps: string;
  /** Kill QEMU after this long (default 180 s). */
  timeoutMs?: number;
  /** Label for the saved console log. */
  label: string;
  /** Stop QEMU a few seconds after this appears on the console (e.g. systemd's emergency mode). */
  stopOn?: RegExp;
  /** Extra -drive options per disk slot, e.g. "throttling.bps-write=1048576" to slow its writes. */
  drive?: Record<number, string>;
  /** Called with the console so far on every output; true = SIGKILL QEMU now (a power cut). */
  cut?: (console: string) => boolean;
}

/** A lab machine: two disk slots and its own persistent OVMF variable store. */
export class LabMachine {
  readonly dir: string;
  readonly vars: string;
  private boots = 0;

  /** A fresh machine named `name`: copies of the golden disks and a pristine variable store. */
  constructor(
    readonly name: string,
    readonly info: LabInfo,
    /** Directory under the cache holding the disks to copy (build-systemd.sh's: golden-systemd). */
    golden = 'golden',
  ) {
    this.dir = join(workDir, name);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    for (const i of [0, 1]) copySparse(join(cacheDir, `${golden}/disk${i}.img`), this.disk(i));
    this.vars = join(this.dir, 'OVMF_VARS.fd');
    copyFileSync(OVMF_VARS, this.vars);
  }

  /** Image file of a disk slot. */
  disk(slot: number): string {
    return join(this.dir, `disk${slot}.img`);
  }

  /** Puts a blank disk (all zeros, same size) into a slot: a replacement for a dead disk. */
  async blankDisk(slot: number): Promise<void> {
    rmSync(this.disk(slot), { force: true });
    await execa('truncate', ['-s', '2048M', this.disk(slot)]);
  }

  /** Boots with the given disks and steps; resolves when QEMU exits (poweroff, shell or timeout). */
  async boot(options: BootOptions): Promise<Boot> {
    this.boots += 1;
    const stepsFile = join(this.dir, `steps-${this.boots}.sh`);
    writeFileSync(stepsFile, options.steps);
    const args = qemuArgs({
      ovmfCode: OVMF_CODE,
      vars: this.vars,
      stepsFile,
      disks: options.disks.map((slot) => ({ slot, file: this.disk(slot), options: options.drive?.[slot] })),
    });
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? 180_000;
    const logFile = join(this.dir, `boot-${this.boots}-${options.label}.log`);
    const qemu = { timeoutMs, stopOn: options.stopOn, cut: options.cut, stopOnShell: SHELL };
    let { raw, timedOut, stoppedOn, cut } = await runQemu(args, qemu);
    let hungLog: string | undefined;
    // Timed out before the initramfs printed its first @@ line: TCG hung in the firmware or the early
    // kernel (seen once in CI on 2026-12-04: nothing after systemd-boot started). No step of the test
    // ran, so the machine is booted once more, like an administrator's reset; the log says so.
    if (timedOut && !cut && !raw.includes('@@')) {
      hungLog = logFile.replace(/\.log$/, '-hung.log');
      writeFileSync(hungLog, raw);
      ({ raw, timedOut, stoppedOn, cut } = await runQemu(args, qemu));
    }
    writeFileSync(logFile, raw);
    return {
      ...parseConsole(raw),
      timedOut,
      stoppedOn,
      cut,
      seconds: (Date.now() - started) / 1000,
      logFile,
      hungLog,
    };
  }

  /** A file of a disk's ESP, read with mtools (the host has no FAT driver); undefined if absent. */
  async espFile(slot: number, path: string): Promise<Buffer | undefined> {
    const result = await execa('mcopy', ['-n', '-i', this.espImage(slot), `::${path}`, '-'], {
      encoding: 'buffer',
      reject: false,
      env: { MTOOLS_SKIP_CHECK: '1' },
    });
    return result.exitCode === 0 ? Buffer.from(result.stdout) : undefined;
  }

  /** Every file on a disk's ESP (paths as "/EFI/BOOT/BOOTX64.EFI"), sorted; lower-cased by FAT rules. */
  async espFiles(slot: number): Promise<string[]> {
    const result = await execa('mdir', ['-/', '-b', '-i', this.espImage(slot), '::/'], {
      reject: false,
      env: { MTOOLS_SKIP_CHECK: '1' },
    });
    if (result.exitCode !== 0) throw new Error(`mdir on disk ${slot}'s ESP failed: ${result.stderr}`);
    return result.stdout
      .split('\n')
      .map((l) => l.trim().replace(/^::/, ''))
      .filter((l) => l !== '' && !l.endsWith('/'))
      .sort();
  }

  /** mtools image spec of a slot's ESP (partition 1 at the fixed offset). */
  private espImage(slot: number): string {
    return `${this.disk(slot)}@@${this.info.espOffsetBytes}`;
  }
}

/**
 * Copies a disk image keeping its holes: fs.copyFileSync writes every zero, so each machine took 4 GiB
 * of real space for two 2 GiB images that hold a few hundred MiB (scenario 5's machines filled the disk).
 */
export function copySparse(from: string, to: string): void {
  execaSync('cp', ['--sparse=always', from, to]);
}
