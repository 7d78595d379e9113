// --fix --prune's plan on the captured boot without disk 0: which stale entries it deletes, which
// it leaves, and when it refuses to delete anything.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseBlkidLines } from '../../src/core/blkid.js';
import type { LoadOption } from '../../src/core/efivars.js';
import { checkCanPrune, isManagedLoader, judgeEntries, planFix } from '../../src/core/entries-report.js';
import { FailureError } from '../../src/core/errors.js';
import type { Esp } from '../../src/core/esp.js';
import { readBootOptions } from '../../src/sys/efivars.js';

const SCENARIO = 'disk1only-entries-booted-disk1';
const FIXTURES = join(import.meta.dirname, '../fixtures/efivars');

/** The captured boot: only disk 1 (now /dev/vda), its ESP mounted at /efi1. */
function captured(edit: (options: Map<number, LoadOption>) => void = () => {}) {
  const blkid = parseBlkidLines(readFileSync(join(FIXTURES, `${SCENARIO}.blkid.txt`), 'utf8'));
  const esps: Esp[] = blkid
    .filter((b) => b.fsType === 'vfat')
    .map((b) => ({
      device: b.device,
      disk: '/dev/vda',
      number: 1,
      majorMinor: '254:1',
      partUuid: b.partUuid!,
      fsUuid: b.fsUuid,
      fsType: b.fsType,
      label: b.label,
      mounts: ['/efi1'],
    }));
  const partitions = new Map(blkid.map((b) => [b.partUuid!, b.device]));
  const boot = readBootOptions(join(FIXTURES, SCENARIO));
  edit(boot.options);
  return judgeEntries(boot, esps, () => true, partitions);
}

const loader = () => 'EFI/BOOT/BOOTX64.EFI';

t.test(
  'the dead disk entry is stale and its delete comes first; BootOrder is left to efibootmgr',
  async (t) => {
    const report = captured();
    t.same(
      report.listed.filter((e) => e.target.kind === 'gone').map((e) => e.name),
      ['Boot0006'],
    );
    t.same(planFix(report, loader, { bootCurrent: 5 }), [
      { kind: 'delete', args: ['--delete-bootnum', '--bootnum', '0006'] },
    ]);
    t.same(planFix(report, loader), [], 'without prune nothing');
    t.same(planFix(report, loader, { bootCurrent: 6 }), [], 'BootCurrent is never deleted');
  },
);

t.test('a stale entry starting another loader is listed but never pruned', async (t) => {
  const report = captured((options) => {
    const windows = options.get(6)!;
    options.set(6, {
      ...windows,
      devicePath: windows.devicePath.map((n) =>
        n.kind === 'file' ? { kind: 'file', path: '\\EFI\\Microsoft\\Boot\\bootmgfw.efi' } : n,
      ),
    });
  });
  const stale = report.listed.find((e) => e.name === 'Boot0006')!;
  t.equal(stale.target.kind, 'gone');
  t.equal(stale.managed, false);
  t.same(planFix(report, loader, { bootCurrent: 5 }), []);
});

t.test('loader paths compare as FAT does; no file is not ours', async (t) => {
  t.ok(isManagedLoader('\\efi\\boot\\bootx64.efi'));
  t.ok(isManagedLoader('\\EFI\\systemd\\systemd-bootx64.efi'));
  t.notOk(isManagedLoader('\\EFI\\arch\\grubx64.efi'));
  t.notOk(isManagedLoader(undefined));
});

t.test('prune needs the booted ESP on a disk here', async (t) => {
  const esp = captured().perEsp[0]!.esp;
  t.doesNotThrow(() => checkCanPrune({ partUuid: esp.partUuid, evidence: 'LoaderDevicePartUUID', esp }));
  t.throws(
    () => checkCanPrune({ partUuid: esp.partUuid, evidence: 'BootCurrent', esp: undefined }),
    /refusing to remove boot entries: the booted ESP \(PARTUUID dcd286f4-\S+, by BootCurrent\) is on no disk/,
  );
  t.throws(
    () => checkCanPrune(new FailureError('two ESPs and no evidence')),
    /the booted ESP is unknown \(two ESPs and no evidence\)/,
  );
});
