import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseBlkidLines } from '../../src/core/blkid.js';
import {
  bootOrderProblems,
  classifyEntries,
  createEntryArgs,
  desiredBootOrder,
  entriesPerEsp,
  firmwarePath,
  formatBootOrder,
} from '../../src/core/boot-entries.js';
import type { Esp } from '../../src/core/esp.js';
import { readBootOptions } from '../../src/sys/efivars.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/efivars');

/** The ESPs of a captured scenario, from what blkid printed on that boot. */
function espsOf(scenario: string): Esp[] {
  return parseBlkidLines(readFileSync(join(FIXTURES, `${scenario}.blkid.txt`), 'utf8'))
    .filter((b) => b.fsType === 'vfat')
    .map((b) => ({
      device: b.device,
      disk: b.device.replace(/\d+$/, ''),
      number: 1,
      majorMinor: b.device,
      partUuid: b.partUuid!,
      fsUuid: b.fsUuid,
      fsType: b.fsType,
      label: b.label,
      mounts: [],
    }))
    .sort((a, b) => a.device.localeCompare(b.device));
}

function judge(scenario: string) {
  const esps = espsOf(scenario);
  const { order, options, problems } = readBootOptions(join(FIXTURES, scenario));
  const entries = classifyEntries(options, order, esps);
  const perEsp = entriesPerEsp(entries, esps);
  return { esps, order, entries, perEsp, problems, orderProblems: bootOrderProblems(perEsp, entries) };
}

t.test('both disks, one efibootmgr entry per ESP: both found, first in BootOrder, no problem', async (t) => {
  const j = judge('both-entries-booted-disk0');
  t.same(j.problems, []);
  t.same(
    j.perEsp.map((p) => [p.esp.device, p.entries.map((e) => e.name), p.entries[0]?.position]),
    [
      ['/dev/vda1', ['Boot0006'], 0],
      ['/dev/vdb1', ['Boot0005'], 1],
    ],
  );
  t.equal(j.perEsp[0]!.entries[0]!.file, '\\EFI\\BOOT\\BOOTX64.EFI');
  t.same(j.orderProblems, []);
  t.same(Object.fromEntries(j.entries.map((e) => [e.name, e.kind])), {
    Boot0000: 'firmware-app',
    Boot0001: 'firmware-fallback',
    Boot0002: 'firmware-fallback',
    Boot0003: 'firmware-fallback',
    Boot0004: 'shell',
    Boot0005: 'esp',
    Boot0006: 'esp',
  });
});

t.test('both disks, only firmware-made entries: no ESP has an entry', async (t) => {
  const j = judge('both-fallback-booted-disk0');
  t.same(
    j.perEsp.map((p) => p.entries.length),
    [0, 0],
  );
  t.ok(j.entries.every((e) => e.kind !== 'esp'));
});

t.test(
  'disk 1 only, explicit entries: its entry is found; disk 0 entry points at a missing partition',
  async (t) => {
    const j = judge('disk1only-entries-booted-disk1');
    t.same(
      j.esps.map((e) => e.device),
      ['/dev/vda1'],
      'disk 1 is now the only disk, /dev/vda',
    );
    t.equal(j.perEsp[0]!.entries[0]?.partUuid, 'dcd286f4-1c96-40ba-ac93-e4e3e0665751');
    t.same(j.orderProblems, []);
    t.ok(
      j.entries.some((e) => e.kind === 'disk'),
      'the dead disk 0 entry is a plain disk entry now',
    );
  },
);

t.test('disk 1 only, firmware-made entries: the remaining ESP has no entry of its own', async (t) => {
  const j = judge('disk1only-fallback-booted-disk1');
  t.same(j.perEsp[0]!.entries, [], 'firmware-made entries carry no partition: none is the ESP entry');
  t.same(
    j.entries.map((e) => [e.name, e.kind, e.position]),
    [
      ['Boot0000', 'firmware-app', 1],
      ['Boot0001', 'firmware-fallback', 0],
      ['Boot0003', 'shell', 2],
    ],
  );
});

t.test('BootOrder problems: an ESP entry behind a shell, or outside BootOrder', async (t) => {
  const j = judge('both-entries-booted-disk0');
  const shellFirst = [4, 6, 5, 0, 1, 2, 3];
  const options = readBootOptions(join(FIXTURES, 'both-entries-booted-disk0')).options;
  const entries = classifyEntries(options, shellFirst, j.esps);
  const problems = bootOrderProblems(entriesPerEsp(entries, j.esps), entries);
  t.equal(problems.length, 2);
  t.match(
    problems[0]!.message,
    /Boot0006 for \/dev\/vda1 comes after Boot0004 \("EFI Internal Shell", shell\)/,
  );
  const missing = classifyEntries(options, [6, 0, 1], j.esps);
  t.match(
    bootOrderProblems(entriesPerEsp(missing, j.esps), missing)[0]!.message,
    /Boot0005 \("probe-disk1"\) for \/dev\/vdb1 is not in BootOrder/,
  );
});

t.test('fix arithmetic: ESP entries first, the rest kept in order; efibootmgr arguments', async (t) => {
  t.same(desiredBootOrder([0, 1, 4, 6, 5], [6, 5]), [6, 5, 0, 1, 4]);
  t.equal(formatBootOrder([6, 5, 0x1a]), '0006,0005,001A');
  t.equal(firmwarePath('EFI/BOOT/BOOTX64.EFI'), '\\EFI\\BOOT\\BOOTX64.EFI');
  const [esp] = espsOf('both-fallback-booted-disk0');
  t.same(createEntryArgs(esp!, '\\EFI\\BOOT\\BOOTX64.EFI'), [
    '--create-only',
    '--disk',
    '/dev/vda',
    '--part',
    '1',
    '--loader',
    '\\EFI\\BOOT\\BOOTX64.EFI',
    '--label',
    'dualroot vda',
  ]);
});
