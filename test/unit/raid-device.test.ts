// An md root mounted through a udev link (/dev/md/root) must be compared by the kernel's name
// (md127), the one sysfs holders and /proc/mdstat use; else a second dualroot-disk run refuses the disk.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { mdArrayDevice } from '../../src/sys/raid.js';

t.test('a udev link resolves to the kernel name; a plain or missing name stays as it is', async (t) => {
  const dev = mkdtempSync(join(tmpdir(), 'dualroot-md-'));
  t.teardown(() => rmSync(dev, { recursive: true, force: true }));
  writeFileSync(join(dev, 'md127'), '');
  mkdirSync(join(dev, 'md'));
  symlinkSync('../md127', join(dev, 'md', 'root'));
  t.equal(mdArrayDevice(join(dev, 'md', 'root')), join(dev, 'md127'));
  t.equal(mdArrayDevice(join(dev, 'md127')), join(dev, 'md127'));
  t.equal(mdArrayDevice(join(dev, 'md', 'gone')), join(dev, 'md', 'gone'), 'not there: the name as written');
});
