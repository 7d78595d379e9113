// dualroot-status on an approach-2 machine: copies compared with the per-disk files rewritten (no
// false "differs"), and a copy whose fstab or entry names the other disk's partitions reported.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { approach2 } from '../helpers/approach2.js';
import { buildUki } from '../helpers/uki.js';

interface Check {
  check: string;
  subject: string;
  level: string;
  message: string;
  fix?: string;
}
const checksOf = (stdout: string) => (JSON.parse(stdout) as { checks: Check[] }).checks;

t.test('after a sync: every copy matches with its rewrites, and names its own disk', async (t) => {
  const m = await approach2(t);
  t.equal((await m.run()).code, 0);
  const checks = checksOf((await m.status('--json')).stdout);
  const sync = checks.filter((c) => c.check === 'sync');
  t.same(
    sync.map((c) => [c.subject, c.level]),
    [
      [m.efi1, 'ok'],
      [join(m.root1, 'etc'), 'ok'],
    ],
    checks.map((c) => c.message).join('\n'),
  );
  const perDisk = checks.filter((c) => c.check === 'per-disk');
  t.same(
    perDisk.map((c) => [c.subject, c.level]),
    [
      [m.efi1, 'ok'],
      [join(m.root1, 'etc'), 'ok'],
    ],
  );
  t.match(
    perDisk[1]!.message,
    new RegExp(
      `etc: .*etc: fstab name the partitions of its own disk /dev/loop\\d+; fstab mounts / from UUID=${m.ids.root1} \\(/dev/loop\\d+p2\\)`,
    ),
    'and its / is its own root',
  );
});

t.test(
  "a copy whose fstab and entry name the other disk's partitions: a problem naming file, line, identifier",
  async (t) => {
    const m = await approach2(t);
    t.equal((await m.run()).code, 0);
    // What copying verbatim (or by hand) leaves behind.
    copyFileSync(join(m.root0, 'etc/fstab'), join(m.root1, 'etc/fstab'));
    copyFileSync(join(m.efi0, 'loader/entries/arch.conf'), join(m.efi1, 'loader/entries/arch.conf'));
    const prom = join(m.env.DUALROOT_RUN_DIR!, 'status.prom');
    const result = await m.status('--json', '--prometheus', prom);
    t.equal(result.code, 3);
    const problems = checksOf(result.stdout).filter((c) => c.check === 'per-disk');
    t.match(problems, [
      {
        subject: m.efi1,
        level: 'problem',
        message: new RegExp(
          `esp: ${m.efi1}/loader/entries/arch.conf line 3 names ${m.ids.root0} \\(/dev/loop\\d+p2, on /dev/loop\\d+\\), not a partition of its own disk`,
        ),
        fix: /run dualroot-sync/,
      },
      { subject: join(m.root1, 'etc'), message: new RegExp(`fstab line 1 names ${m.ids.root0} `) },
      { subject: join(m.root1, 'etc'), message: new RegExp(`fstab line 3 names ${m.ids.esp0} `) },
    ]);
    t.match(
      readFileSync(prom, 'utf8'),
      new RegExp(`dualroot_per_disk_files_ok\\{item="esp",destination="${m.efi1}"\\} 0`),
    );
    // dualroot-sync puts it right.
    t.equal((await m.run()).code, 0);
    const after = checksOf((await m.status('--json')).stdout).filter((c) => c.check === 'per-disk');
    t.same(
      after.map((c) => c.level),
      ['ok', 'ok'],
    );
  },
);

t.test(
  'a source reference with no counterpart on the other disk: reported, with the [disk-map] fix',
  async (t) => {
    const m = await approach2(t, 1);
    writeFileSync(
      join(m.root0, 'etc/fstab'),
      `UUID=${m.ids.root0} / ext4 rw 0 1\nUUID=${m.ids.extra} /srv ext4 rw 0 2\n`,
    );
    t.equal((await m.run()).code, 3);
    const problems = checksOf((await m.status('--json')).stdout).filter(
      (c) => c.check === 'per-disk' && c.level === 'problem',
    );
    t.match(problems, [
      {
        message: new RegExp(
          `fstab: line 2 of its source names ${m.ids.extra}, which has no counterpart on /dev/loop\\d+`,
        ),
        fix: /\[disk-map\] pairs/,
      },
    ]);
  },
);

t.test("a UKI whose embedded .cmdline names the source disk's root: reported on the other ESP", async (t) => {
  const m = await approach2(t);
  mkdirSync(join(m.efi0, 'EFI/Linux'), { recursive: true });
  buildUki(join(m.efi0, 'EFI/Linux/arch-linux.efi'), `root=UUID=${m.ids.root0} rw quiet`);
  buildUki(join(m.efi0, 'EFI/Linux/arch-gpt-auto.efi'), 'rw quiet');
  t.equal((await m.run()).code, 0, 'copied as it is');
  const result = await m.status('--json');
  t.equal(result.code, 3);
  const problems = checksOf(result.stdout).filter((c) => c.check === 'per-disk' && c.level === 'problem');
  t.match(problems, [
    {
      subject: m.efi1,
      message: new RegExp(
        `${m.efi1}/EFI/Linux/arch-linux.efi: its embedded command line \\(\\.cmdline\\) names ${m.ids.root0} \\(/dev/loop\\d+p2\\) on /dev/loop\\d+; a UKI is copied as it is`,
      ),
      fix: /without root= .*gpt-auto-root.*or boot Type #1 entries/,
    },
  ]);
  t.equal(problems.length, 1, 'the UKI naming no partition is fine');
});

t.test('an fstab mounting / by a kernel name: a problem, with the UUID= fix', async (t) => {
  const m = await approach2(t);
  writeFileSync(
    join(m.root0, 'etc/fstab'),
    `/dev/sda2 / ext4 rw 0 1\nUUID=${m.ids.root1} /mnt/root1 ext4 rw,nofail 0 2\n`,
  );
  t.equal((await m.run()).code, 0);
  const problems = checksOf((await m.status('--json')).stdout).filter(
    (c) => c.check === 'per-disk' && c.level === 'problem',
  );
  t.match(problems, [
    {
      subject: join(m.root1, 'etc'),
      message: new RegExp(`${m.root1}/etc/fstab line 1 mounts / from /dev/sda2, a kernel name`),
      fix: new RegExp(`name the root by UUID= in ${m.root0}/etc/fstab`),
    },
  ]);
});
