// A UKI's embedded .cmdline: read from real UKIs (objcopy on systemd-boot-efi's stub), and what
// dualroot-status says of one it cannot read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { DiskMap } from '../../src/core/disk-map.js';
import { StatusReport } from '../../src/core/status.js';
import { checkPerDisk } from '../../src/core/status-per-disk.js';
import type { Job } from '../../src/core/sync-plan.js';
import { readUkiCmdline } from '../../src/sys/uki.js';
import { buildUki, UKI_STUB } from '../helpers/uki.js';

function scratch(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'dualroot-uki-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('the .cmdline of a real UKI, without its trailing NULs and newline', async (t) => {
  const dir = scratch(t);
  t.equal(
    readUkiCmdline(buildUki(join(dir, 'a.efi'), 'root=UUID=1234 rw quiet\n\0\0')),
    'root=UUID=1234 rw quiet',
  );
  t.equal(readUkiCmdline(UKI_STUB), undefined, 'a PE image with no .cmdline');
  writeFileSync(join(dir, 'text.efi'), 'not a PE image\n');
  t.equal(readUkiCmdline(join(dir, 'text.efi')), undefined, 'not PE');
});

t.test('gone between listing and reading: undefined; any other read error is thrown', async (t) => {
  const dir = scratch(t);
  t.equal(readUkiCmdline(join(dir, 'gone.efi')), undefined);
  mkdirSync(join(dir, 'dir.efi'));
  t.throws(() => readUkiCmdline(join(dir, 'dir.efi')), { code: 'EISDIR' });
});

t.test('a section larger than any command line is not read whole', async (t) => {
  const dir = scratch(t);
  const text = readUkiCmdline(buildUki(join(dir, 'big.efi'), `rw ${'x'.repeat(200_000)}`));
  t.equal(text?.length, 64 * 1024, 'the first 64 KiB');
});

t.test('an unreadable UKI is a per-disk problem naming the file and the error, not a pass', async (t) => {
  const report = new StatusReport();
  const job = {
    item: 'esp',
    source: '/efi0',
    destination: '/efi1',
    fat: true,
    exclude: [],
  } as unknown as Job;
  const map: DiskMap = { sourceDisk: '/dev/vda', destinationDisk: '/dev/vdb', pairs: [], unpaired: [] };
  checkPerDisk(report, job, {
    map,
    files: [],
    rootless: [],
    ukis: [{ relative: 'EFI/Linux/arch.efi', references: [], unreadable: 'EIO: i/o error, read' }],
  });
  t.match(report.checks, [
    {
      check: 'per-disk',
      subject: '/efi1',
      level: 'problem',
      message:
        /^esp: \/efi0\/EFI\/Linux\/arch\.efi: its embedded command line \(\.cmdline\) could not be read \(EIO: i\/o error, read\)/,
      fix: /dmesg/,
    },
  ]);
  t.equal(report.checks.length, 1);
});
