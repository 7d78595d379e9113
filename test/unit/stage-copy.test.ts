// The in-process staging copy (src/sys/stage-copy.ts) on the host's filesystem: bytes, times,
// subdirectories, and the byte-copy fallback where vfat refuses the source's mode.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { copyBytes, copyToStaging, copyWithTimes } from '../../src/sys/stage-copy.js';

function scratch(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'dualroot-stage-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const OLD = new Date('2024-03-01T10:00:00Z');

t.test('copyToStaging: each file under staging with its bytes and time, in its subdirectory', async (t) => {
  const dir = scratch(t);
  const source = join(dir, 'efi0');
  mkdirSync(join(source, 'EFI/Linux'), { recursive: true });
  writeFileSync(join(source, 'vmlinuz-linux'), Buffer.alloc(3 << 20, 7)); // more than one 1 MiB read
  writeFileSync(join(source, 'EFI/Linux/arch.efi'), 'uki');
  utimesSync(join(source, 'vmlinuz-linux'), OLD, OLD);
  const staging = join(dir, 'efi1/.dualroot-staging');
  mkdirSync(staging, { recursive: true });
  const copied = copyToStaging(source, staging, ['vmlinuz-linux', 'EFI/Linux/arch.efi']);
  t.same(copied, { files: 2, bytes: (3 << 20) + 3 });
  t.same(readFileSync(join(staging, 'vmlinuz-linux')), readFileSync(join(source, 'vmlinuz-linux')));
  t.equal(readFileSync(join(staging, 'EFI/Linux/arch.efi'), 'utf8'), 'uki');
  t.equal(statSync(join(staging, 'vmlinuz-linux')).mtimeMs, OLD.getTime(), "the source's time");
  t.throws(
    () => copyToStaging(source, staging, ['gone.img']),
    { code: 'ENOENT' },
    'a missing source file throws',
  );
});

t.test(
  'copyWithTimes: EPERM from the kernel copy (a mode vfat cannot hold) falls back to the bytes',
  async (t) => {
    const dir = scratch(t);
    const from = join(dir, 'a');
    writeFileSync(from, 'kernel bytes');
    utimesSync(from, OLD, OLD);
    const refusing = () => {
      throw Object.assign(new Error('EPERM: operation not permitted, copyfile'), { code: 'EPERM' });
    };
    t.equal(copyWithTimes(from, join(dir, 'b'), refusing), 12);
    t.equal(readFileSync(join(dir, 'b'), 'utf8'), 'kernel bytes');
    t.equal(statSync(join(dir, 'b')).mtimeMs, OLD.getTime());
    const failing = () => {
      throw Object.assign(new Error('EIO: i/o error, copyfile'), { code: 'EIO' });
    };
    t.throws(
      () => copyWithTimes(from, join(dir, 'c'), failing),
      { code: 'EIO' },
      'any other error is thrown',
    );
  },
);

t.test('copyBytes: replaces what the target held', async (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'from'), 'new');
  writeFileSync(join(dir, 'to'), 'a longer old content');
  copyBytes(join(dir, 'from'), join(dir, 'to'));
  t.equal(readFileSync(join(dir, 'to'), 'utf8'), 'new');
});
