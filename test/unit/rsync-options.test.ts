// [rsync] options come from an allowlist: nothing that writes elsewhere, hides a difference from
// --test or changes what --delete removes (issue 11, item 9).
import t from 'tap';
import { parseConfig } from '../../src/core/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { rsyncArgs } from '../../src/core/rsync.js';

const F = '/etc/dualroot/dualroot.conf';
const options = (text: string) => parseConfig(`[rsync]\noptions = ${text}\n`, F).rsync.options;

t.test('options that broke the promises are refused, naming the option and the allowed ones', async (t) => {
  for (const bad of [
    '--backup --backup-dir=/srv/data/old',
    '--backup',
    '-b',
    '--quiet',
    '-q',
    '--list-only',
    '"--exclude=*"',
    '--include=x',
    '--filter=-_*',
    '--delete-excluded',
    '--max-delete=0',
    '--max-size=1',
    '--size-only',
    '--modify-window=5',
    '--ignore-existing',
    '--existing',
    '--update',
    '--copy-links',
    '--ignore-errors',
    '--info=NONE',
    '--inplace',
    '--remove-source-files',
    '--no-delay-updates',
    '--write-devices',
    '-cS',
    '-v',
  ]) {
    const first = bad.replace(/^"|"$/g, '').split(' ')[0]!;
    t.throws(
      () => options(bad),
      {
        constructor: ConfigError,
        message: `${F} line 2 [rsync] options: "${first}" is not one of the rsync options known to be safe with dualroot`,
        hint: /^remove it; allowed: --checksum\/-c, --sparse\/-S, .*--bwlimit=N, --timeout=N/,
      },
      bad,
    );
  }
});

t.test('values are checked; options without a value take none', async (t) => {
  t.throws(() => options('--bwlimit'), /"--bwlimit" needs a value: --bwlimit=N/);
  t.throws(() => options('--timeout=soon'), /"--timeout=soon" needs a value/);
  t.throws(() => options('--checksum=yes'), /"--checksum=yes" takes no value/);
  t.throws(() => options('-a /tmp'), /"\/tmp" is not an rsync option/);
});

t.test('the safe ones pass, and reach the items rsync command line only', async (t) => {
  const safe = ['--checksum', '-S', '--no-xattrs', '--no-acls', '--bwlimit=10M', '--timeout=60', '--fsync'];
  t.same(options(safe.join(' ')), safe);
  const job = { item: 'data', source: '/srv/data', destination: '/mnt/r1/data', exclude: [], fat: false };
  const args = rsyncArgs(job as unknown as Parameters<typeof rsyncArgs>[0], { dryRun: true, extra: safe });
  t.ok(
    safe.every((o) => args.includes(o)),
    'passed on',
  );
  t.ok(args.includes('--delete') && args.includes('--dry-run'), "dualroot's own stay");
});

t.test('this rsync accepts every allowed option (none fails a sync for being unknown)', async (t) => {
  const { execa } = await import('execa');
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { SAFE_RSYNC_OPTIONS } = await import('../../src/core/rsync-options.js');
  const dir = mkdtempSync(join(tmpdir(), 'dualroot-rsync-options-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a'), 'a');
  for (const o of SAFE_RSYNC_OPTIONS)
    for (const name of o.names) {
      const word = o.value ? `${name}=10` : name;
      const r = await execa('rsync', ['--archive', word, `${dir}/a`, `${dir}/b`], { reject: false });
      t.equal(r.exitCode, 0, `${word}: ${r.stderr}`);
    }
});
