// dual-root's unit names under real systemd 252 tools (offline): the aliases install.sh makes,
// `systemctl enable` of an old name, and fstab's x-systemd.before= naming the old bind unit.
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t, { type Test } from 'tap';
import { scratch } from '../helpers/sim.js';

const repo = join(import.meta.dirname, '../..');

/** A root with the units installed by install.sh (PREFIX=/usr), aliases included. */
async function installedRoot(t: Test) {
  const root = join(scratch(t), 'root');
  const r = await execa(join(repo, 'packaging/install.sh'), [], {
    env: { DESTDIR: root, PREFIX: '/usr', SYSCONFDIR: '/etc' },
    reject: false,
    all: true,
  });
  t.equal(r.exitCode, 0, 'install.sh', { output: r.all });
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  return root;
}

t.test(
  'the old names are aliases; enabling them enables the dualroot units under their own names',
  async (t) => {
    const root = await installedRoot(t);
    const units = join(root, 'usr/lib/systemd/system');
    t.equal(readlinkSync(join(units, 'bind-mount-efi.service')), 'dualroot-bind.service');
    t.equal(readlinkSync(join(units, 'dual-root-syncd.service')), 'dualroot-watch.service');
    const r = await execa(
      'systemctl',
      ['--root', root, 'enable', 'bind-mount-efi.service', 'dual-root-syncd.service'],
      {
        reject: false,
        all: true,
      },
    );
    t.equal(r.exitCode, 0, r.all);
    const etc = join(root, 'etc/systemd/system');
    t.equal(
      readlinkSync(join(etc, 'local-fs.target.wants/dualroot-bind.service')),
      '/usr/lib/systemd/system/dualroot-bind.service',
    );
    t.equal(
      readlinkSync(join(etc, 'multi-user.target.wants/dualroot-watch.service')),
      '/usr/lib/systemd/system/dualroot-watch.service',
    );
    const state = await execa(
      'systemctl',
      ['--root', root, 'is-enabled', 'bind-mount-efi.service', 'dualroot-bind.service'],
      { reject: false },
    );
    t.same(
      state.stdout.split('\n'),
      ['alias', 'enabled'],
      'systemd reads the old name as an alias of the enabled unit',
    );
  },
);

t.test("fstab's x-systemd.before=bind-mount-efi.service becomes Before= the alias name", async (t) => {
  const dir = scratch(t);
  const fstab = join(dir, 'fstab');
  writeFileSync(
    fstab,
    'PARTUUID=0b5e7f4a-0000-4000-8000-000000000001 /efi0 vfat rw,nofail,x-systemd.before=bind-mount-efi.service 0 2\n',
  );
  for (const d of ['out', 'early', 'late']) mkdirSync(join(dir, d));
  const r = await execa(
    '/lib/systemd/system-generators/systemd-fstab-generator',
    ['out', 'early', 'late'].map((d) => join(dir, d)),
    {
      env: { SYSTEMD_FSTAB: fstab, SYSTEMD_PROC_CMDLINE: '' },
      reject: false,
      all: true,
    },
  );
  t.equal(r.exitCode, 0, r.all);
  // PID 1 loads bind-mount-efi.service through the alias link, so this orders efi0 before dualroot-bind.service.
  t.match(readFileSync(join(dir, 'out/efi0.mount'), 'utf8'), /^Before=.*bind-mount-efi\.service/m);
});
