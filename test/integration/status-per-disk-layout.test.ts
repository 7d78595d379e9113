// dualroot-status's per-disk check on two loop disks, beyond the identifiers: the root's fstab must
// mount the other disk's filesystems with nofail, and a loader entry with no root= is correct only
// where the other disk has a Discoverable Partitions root (type 4f68bce3-…), which the sync copies as it is.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { approach2 } from '../helpers/approach2.js';

interface Check {
  check: string;
  subject: string;
  level: string;
  message: string;
  fix?: string;
}
const perDisk = (stdout: string) =>
  (JSON.parse(stdout) as { checks: Check[] }).checks.filter((c) => c.check === 'per-disk');
const ROOT_TYPE = '4f68bce3-e8cd-4db1-96e7-fbcaf984b709';
const deviceOf = async (dir: string) => (await execa('findmnt', ['-no', 'SOURCE', dir])).stdout.trim();

t.test(
  "an fstab mounting the other disk's root without nofail: a problem naming file, line, identifier",
  async (t) => {
    const m = await approach2(t);
    const fstab = join(m.root0, 'etc/fstab');
    writeFileSync(
      fstab,
      readFileSync(fstab, 'utf8').replace(`/mnt/root1 ext4 rw,nofail`, '/mnt/root1 ext4 rw'),
    );
    t.equal((await m.run()).code, 0, 'the sync itself copies it');
    const prom = join(m.env.DUALROOT_RUN_DIR, 'status.prom');
    const result = await m.status('--json', '--prometheus', prom);
    t.equal(result.code, 3, result.out);
    const problems = perDisk(result.stdout).filter((c) => c.level === 'problem');
    t.equal(problems.length, 1, problems.map((p) => p.message).join('\n'));
    t.match(problems[0], {
      subject: join(m.root1, 'etc'),
      message: new RegExp(
        `^etc: ${fstab} line 2 mounts ${m.ids.root1} \\(/dev/loop\\d+p2, on /dev/loop\\d+\\) at /mnt/root1 without nofail: if /dev/loop\\d+ dies, /dev/loop\\d+ alone stops in emergency mode waiting for it; its copy ${join(m.root1, 'etc/fstab')} line 2 mounts ${m.ids.root0} `,
      ),
      fix: `add nofail,x-systemd.device-timeout=10s to its options in ${fstab} (dualroot-sync writes the copy)`,
    });
    t.match(
      readFileSync(prom, 'utf8'),
      new RegExp(`dualroot_per_disk_files_ok\\{item="etc",destination="${join(m.root1, 'etc')}"\\} 0`),
    );

    // Put right in the source and synced: nothing left.
    writeFileSync(
      fstab,
      readFileSync(fstab, 'utf8').replace('/mnt/root1 ext4 rw ', '/mnt/root1 ext4 rw,nofail '),
    );
    t.equal((await m.run()).code, 0);
    const after = await m.status('--json');
    t.same(
      perDisk(after.stdout).map((c) => c.level),
      ['ok', 'ok'],
    );
  },
);

t.test(
  'an entry with no root=: copied as it is; correct on a discoverable root, a problem without one',
  async (t) => {
    const m = await approach2(t, 0, { healthy: true });
    const entry = 'title Arch Linux (gpt-auto)\nlinux /vmlinuz-linux\noptions rw quiet\n';
    writeFileSync(join(m.efi0, 'loader/entries/arch.conf'), entry);
    const dry = await m.run('--test');
    t.equal(dry.code, 0, dry.out);
    t.notMatch(dry.out, 'loader/entries/arch.conf line', 'no rewrite of the entry');
    t.equal((await m.run()).code, 0);
    t.equal(readFileSync(join(m.efi1, 'loader/entries/arch.conf'), 'utf8'), entry, 'copied verbatim');

    // The loop disks' roots are "Linux filesystem" (0fc63daf-…): gpt-auto would find no root on disk 1.
    const plain = await m.status('--json');
    t.equal(plain.code, 3, plain.out);
    t.match(perDisk(plain.stdout), [
      {
        subject: m.efi1,
        level: 'problem',
        message: new RegExp(
          `^esp: ${m.efi1}/loader/entries/arch.conf boots Linux with no root= but /dev/loop\\d+ has no partition of the root type ${ROOT_TYPE}: `,
        ),
        fix: new RegExp(`sfdisk --part-type /dev/loop\\d+ N ${ROOT_TYPE}.*or name the root with root=`),
      },
      { subject: join(m.root1, 'etc'), level: 'ok' },
    ]);

    // Both roots given the Discoverable Partitions type (partitioned alike, so still paired by position).
    const root1 = await deviceOf(m.root1);
    const disk1 = root1.replace(/p2$/, '');
    for (const root of [await deviceOf(m.root0), root1])
      await execa('sfdisk', ['-q', '--part-type', root.replace(/p2$/, ''), '2', ROOT_TYPE]);
    const auto = await m.status('--json');
    t.equal(auto.code, 0, auto.out);
    t.match(perDisk(auto.stdout), [
      {
        subject: m.efi1,
        level: 'ok',
        message: `esp: ${m.efi1}/loader/entries/arch.conf names no root= (gpt-auto-root): systemd finds ${root1} (root partition type ${ROOT_TYPE}) on ${disk1}`,
      },
      { subject: join(m.root1, 'etc'), level: 'ok' },
    ]);
    const again = await m.run('--test');
    t.match(
      again.out,
      `${m.efi0} -> ${m.efi1}: would create 0, update 0, delete 0`,
      'a second sync changes nothing',
    );
  },
);
