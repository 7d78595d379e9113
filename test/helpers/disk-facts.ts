// dualroot-disk's facts built from the captures in test/fixtures/disk (see its README): a booted
// disk /dev/loop0 (ESP loop0p1, btrfs root loop0p2) and a new disk /dev/loop1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBlkidExport } from '../../src/core/blkid.js';
import type { DiskFacts, RootFacts } from '../../src/core/disk-facts.js';
import type { Esp } from '../../src/core/esp.js';
import { parseFstab } from '../../src/core/fstab.js';
import {
  parseBtrfsDevices,
  parseBtrfsDf,
  parseBtrfsShow,
  parseMdMembers,
  parseMdstat,
} from '../../src/core/raid.js';
import { parseSfdiskJson } from '../../src/core/sfdisk.js';
import { parseWipefsJson } from '../../src/core/wipefs.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');

/** A capture's text. */
export const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

export const BOOTED_TABLE = parseSfdiskJson(fixture('disk/sfdisk-J-booted.json'));
export const ADDED_TABLE = parseSfdiskJson(fixture('disk/sfdisk-J-added.json'));
export const NEW_GUIDS = ['11111111-2222-4333-8444-555555555555', '66666666-7777-4888-9999-aaaaaaaaaaaa'];
export const ROOT_UUID = 'c17339e8-06f0-4f20-bc14-723aa7fe64a1';
export const BOOTED_PARTUUID = BOOTED_TABLE.partitions[0]!.uuid;

/** The btrfs root as `btrfs filesystem show` and `df` reported it (captures named by stage). */
export function btrfsRoot(show: string, df: string): RootFacts {
  const text = fixture(show);
  return {
    kind: 'btrfs',
    mount: '/',
    uuid: ROOT_UUID,
    state: parseBtrfsShow(text),
    devices: parseBtrfsDevices(text),
    profiles: parseBtrfsDf(fixture(df)),
  };
}

/**
 * The two-device root with its second device gone: the capture after the balance, its devid 2
 * line written as btrfs-show-missing.txt (a real degraded mount) shows a missing device.
 */
export function degradedBtrfsRoot(): RootFacts {
  const text = fixture('disk/btrfs-show-raid1.txt').replace(
    /devid {4}2 .*$/m,
    'devid    2 size 0 used 0 path  MISSING',
  );
  return {
    kind: 'btrfs',
    mount: '/',
    uuid: ROOT_UUID,
    state: parseBtrfsShow(text),
    devices: parseBtrfsDevices(text),
    profiles: parseBtrfsDf(fixture('btrfs-df-degraded-writes.txt')),
  };
}

/** An md root from a /proc/mdstat capture, its loop0/loop1 members renamed to the partitions loop0p2/loop1p2. */
export function mdRoot(capture: string): RootFacts {
  const text = fixture(capture).replace(/loop([01])\[/g, 'loop$1p2[');
  return {
    kind: 'md',
    mount: '/',
    array: '/dev/md127',
    state: parseMdstat(text, '/dev/md127')!,
    members: parseMdMembers(text, '/dev/md127'),
  };
}

const bootedEsp: Esp = {
  device: '/dev/loop0p1',
  disk: '/dev/loop0',
  number: 1,
  majorMinor: '259:0',
  partUuid: BOOTED_PARTUUID,
  fsUuid: 'AAAA-0000',
  fsType: 'vfat',
  label: undefined,
  mounts: ['/efi0'],
};

/** The fstab line of the booted ESP, as docs/arch-install.md writes it. */
export const BOOTED_FSTAB_LINE = `PARTUUID=${BOOTED_PARTUUID} /efi0 vfat rw,nofail,x-systemd.device-timeout=10s 0 2\n`;

/** Facts of a one-disk btrfs machine and a blank 600 MiB /dev/loop1, with overrides. */
export function diskFacts(overrides: Partial<DiskFacts> = {}, fstab = BOOTED_FSTAB_LINE): DiskFacts {
  return {
    command: 'add',
    target: {
      device: '/dev/loop1',
      partitionOf: undefined,
      sizeBytes: 629145600,
      sectorSize: 512,
      signatures: parseWipefsJson(fixture('disk/wipefs-J-blank.json')),
      table: undefined,
      partitions: [],
      probes: parseBlkidExport(fixture('disk/blkid-p-blank.txt')),
      mounts: [],
      holders: [],
    },
    booted: bootedEsp,
    bootedMount: '/efi0',
    bootedTable: BOOTED_TABLE,
    root: btrfsRoot('disk/btrfs-show-single.txt', 'disk/btrfs-df-single.txt'),
    fstab: parseFstab(fstab),
    fstabPath: '/etc/fstab',
    esps: [bootedEsp],
    partUuids: BOOTED_TABLE.partitions.map((p) => p.uuid),
    fsUuids: ['AAAA-0000', ROOT_UUID],
    espRoot: '/',
    configPath: '/etc/dualroot/dualroot.conf',
    syncItems: [],
    rootDirs: ['etc', 'usr', 'root'],
    swapFiles: [],
    bootedMounts: [
      { device: '/dev/loop0p1', mount: '/efi0', fsType: 'vfat' },
      { device: '/dev/loop0p2', mount: '/', fsType: 'btrfs' },
    ],
    newFsUuids: ['c0b1e5a2-0000-4000-8000-00000000a2a1', 'c0b1e5a2-0000-4000-8000-00000000a2a2'],
    systemdBoot: true,
    uefi: true,
    systemd: true,
    tools: ['sfdisk', 'partx', 'wipefs', 'blkid', 'mkfs.fat', 'bootctl', 'btrfs', 'efibootmgr'],
    newGuids: NEW_GUIDS,
    bootEntries: [{ num: 1, partUuid: BOOTED_PARTUUID }],
    loaderAt: [],
    syncedTo: [],
    ...overrides,
  };
}

/** The new disk as a previous run left it: partitioned (ADDED_TABLE), its ESP formatted, the kernel seeing both. */
export function partitionedTarget(facts: DiskFacts): DiskFacts['target'] {
  return {
    ...facts.target,
    table: ADDED_TABLE,
    signatures: parseWipefsJson(fixture('disk/wipefs-J-table.json')),
    partitions: ['/dev/loop1p1', '/dev/loop1p2'],
    probes: parseBlkidExport(`${fixture('disk/blkid-p-new-esp.txt')}\n${fixture('disk/blkid-p-member.txt')}`),
  };
}
