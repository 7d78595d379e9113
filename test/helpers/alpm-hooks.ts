// The facts about other packages' pacman hooks that dualroot's hooks must fit around (issue 13),
// kept in one place so the tests check the hook files against them, and a reader of .hook files
// and of pacman's Target globs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo } from './packaging-install.js';

/** A hook another package (or installer) ships that writes the ESP. */
export interface EspWriter {
  /** The hook's file name. */
  name: string;
  /** Who ships it. */
  from: string;
  when: 'PreTransaction' | 'PostTransaction';
  /** Its Path targets, each with a file that matches it (what a package would ship). */
  paths: { target: string; example: string }[];
  /** Its Package targets. */
  packages: string[];
}

const kernel = 'usr/lib/modules/6.12.1-arch1-1';

/** The hooks that write the ESP, with their real names and targets. */
export const espWriters: EspWriter[] = [
  {
    name: 'zz-sbctl.hook',
    from: 'sbctl (signs for Secure Boot)',
    when: 'PostTransaction',
    paths: [
      { target: 'boot/*', example: 'boot/vmlinuz-linux' },
      { target: 'efi/*', example: 'efi/EFI/BOOT/BOOTX64.EFI' },
      { target: 'usr/lib/modules/*/vmlinuz', example: `${kernel}/vmlinuz` },
      { target: 'usr/lib/modules/*/extramodules/*', example: `${kernel}/extramodules/nvidia.ko.zst` },
      { target: 'usr/lib/**/efi/*.efi*', example: 'usr/lib/systemd/boot/efi/systemd-bootx64.efi' },
      { target: 'usr/share/**/*.efi*', example: 'usr/share/limine/limine-bios.efi' },
    ],
    packages: [],
  },
  {
    name: '90-mkinitcpio-install.hook',
    from: 'mkinitcpio',
    when: 'PostTransaction',
    paths: [
      { target: 'usr/lib/modules/*/vmlinuz', example: `${kernel}/vmlinuz` },
      { target: 'usr/lib/modules/*/extramodules/*', example: `${kernel}/extramodules/zfs.ko.zst` },
      { target: 'usr/lib/initcpio/*', example: 'usr/lib/initcpio/install/base' },
      { target: 'usr/lib/firmware/*', example: 'usr/lib/firmware/amd-ucode/microcode_amd_fam19h.bin' },
      { target: 'usr/src/*/dkms.conf', example: 'usr/src/zfs-2.2.6/dkms.conf' },
      { target: 'usr/lib/systemd/systemd', example: 'usr/lib/systemd/systemd' },
      { target: 'usr/bin/cryptsetup', example: 'usr/bin/cryptsetup' },
      { target: 'usr/bin/lvm', example: 'usr/bin/lvm' },
    ],
    packages: ['mkinitcpio', 'mkinitcpio-git'],
  },
  {
    name: '90-dracut-install.hook',
    from: 'dracut',
    when: 'PostTransaction',
    paths: [
      { target: 'usr/lib/modules/*/pkgbase', example: `${kernel}/pkgbase` },
      { target: 'usr/lib/dracut/*', example: 'usr/lib/dracut/modules.d/90crypt/module-setup.sh' },
    ],
    packages: ['dracut'],
  },
  {
    name: '90-kernel-install-add.hook',
    from: 'kernel-install (systemd)',
    when: 'PostTransaction',
    paths: [
      { target: 'usr/lib/modules/*/vmlinuz', example: `${kernel}/vmlinuz` },
      { target: 'usr/lib/kernel/install.*', example: 'usr/lib/kernel/install.d/50-mkinitcpio.install' },
    ],
    packages: [],
  },
  {
    name: '95-systemd-boot.hook',
    from: 'systemd-boot update hook (Arch wiki)',
    when: 'PostTransaction',
    paths: [],
    packages: ['systemd'],
  },
  ...(
    [
      ['999-systemd-bootd.hook', 'archboot', ['systemd']],
      ['999-grub-uefi.hook', 'archboot', ['grub']],
      ['999-refind.hook', 'archboot', ['refind']],
      ['999-limine-uefi.hook', 'archboot', ['limine']],
      ['99-limine.hook', 'archinstall', ['limine']],
      ['99-refind.hook', 'archinstall', ['refind']],
      ['99-sbctl.hook', 'sbctl-git (AUR)', []],
      ['zzz-secureboot.hook', 'a distribution signing hook', ['shim', 'shim-signed']],
    ] as const
  ).map(
    ([name, from, packages]): EspWriter => ({
      name,
      from,
      when: 'PostTransaction',
      // Known here by name (issue 13) and by the loader package that makes them run.
      paths: [],
      packages: [...packages],
    }),
  ),
  {
    name: 'fwupd (EFI binaries)',
    from: 'fwupd-efi, whose fwupdx64.efi is copied to the ESP',
    when: 'PostTransaction',
    paths: [{ target: 'usr/lib/fwupd/efi/*', example: 'usr/lib/fwupd/efi/fwupdx64.efi' }],
    packages: ['fwupd', 'fwupd-efi'],
  },
  {
    name: 'microcode',
    from: 'amd-ucode, intel-ucode (packed into the initramfs, or /boot/*-ucode.img)',
    when: 'PostTransaction',
    paths: [
      { target: 'boot/*', example: 'boot/intel-ucode.img' },
      { target: 'usr/lib/firmware/*', example: 'usr/lib/firmware/intel-ucode/06-8c-01' },
    ],
    packages: ['amd-ucode', 'intel-ucode'],
  },
  {
    name: '60-mkinitcpio-remove.hook',
    from: 'mkinitcpio (deletes the kernel and its images from /boot)',
    when: 'PreTransaction',
    paths: [{ target: 'usr/lib/modules/*/vmlinuz', example: `${kernel}/vmlinuz` }],
    packages: [],
  },
];

/** One [Trigger] of a .hook file. */
export interface Trigger {
  type: string;
  operations: string[];
  targets: string[];
}

/** A .hook file read: its name, triggers and [Action] keys (repeated keys kept in order). */
export interface HookFile {
  name: string;
  triggers: Trigger[];
  action: Record<string, string[]>;
}

/** Reads a .hook file the way alpm-hooks(5) describes it: sections, KEY = VALUE, '#' comments. */
export function readHook(path: string, name: string): HookFile {
  const hook: HookFile = { name, triggers: [], action: {} };
  let section = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      if (section === 'Trigger') hook.triggers.push({ type: '', operations: [], targets: [] });
      continue;
    }
    const [key, ...rest] = line.split('=');
    const k = key!.trim();
    const v = rest.join('=').trim();
    const trigger = hook.triggers.at(-1);
    if (section === 'Trigger' && trigger) {
      if (k === 'Type') trigger.type = v;
      else if (k === 'Operation') trigger.operations.push(v);
      else if (k === 'Target') trigger.targets.push(v);
    } else if (section === 'Action') hook.action[k] = [...(hook.action[k] ?? []), v];
  }
  return hook;
}

/** dualroot's hooks in hooks/, found by what they run (not by name, which is under test). */
export function dualrootHooks(): { guard: HookFile; sync: HookFile } {
  const hooks = readdirSync(join(repo, 'hooks'))
    .filter((f) => f.endsWith('.hook'))
    .map((f) => readHook(join(repo, 'hooks', f), f));
  const running = (command: string) => {
    const found = hooks.filter((h) => h.action.Exec?.some((e) => e.startsWith(command)));
    if (found.length !== 1) throw new Error(`expected one hook running ${command}, found ${found.length}`);
    return found[0]!;
  };
  return { guard: running('/usr/bin/dualroot-bind --hook'), sync: running('/usr/bin/dualroot-sync --hook') };
}

/** pacman's hook order: by file name with ".hook" stripped, compared byte by byte (strcmp). */
export function hookOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a.replace(/\.hook$/, '')), Buffer.from(b.replace(/\.hook$/, '')));
}

/** Does a Target glob match a path, as pacman's fnmatch(3) without flags ('*' crosses '/')? */
export function targetMatches(target: string, path: string): boolean {
  const negated = target.startsWith('!');
  const glob = negated ? target.slice(1) : target;
  let re = '';
  for (const c of glob) re += c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`).test(path) !== negated;
}
