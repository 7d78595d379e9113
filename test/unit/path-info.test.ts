// src/sys/path-info.ts on the host's filesystem: what counts as an existing name.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { entryExists, pathExists } from '../../src/sys/path-info.js';

t.test('entryExists: a dangling link exists; only ENOENT is absence', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dualroot-path-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  writeFileSync(join(dir, 'file'), '');
  t.ok(entryExists(join(dir, 'dangling')), 'the name is there');
  t.notOk(pathExists(join(dir, 'dangling')), 'though what it names is not');
  t.notOk(entryExists(join(dir, 'absent')));
  t.throws(
    () => entryExists(join(dir, 'file/below')),
    { code: 'ENOTDIR' },
    'another error is thrown, not "absent"',
  );
});
