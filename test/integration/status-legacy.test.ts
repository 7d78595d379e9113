// dualroot-status and what dual-root left behind: warnings with the clean-up, never a problem.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { main as status } from '../../src/cli/status.js';
import { runProgram, twoDiskMachine } from '../helpers/sim.js';

const run = async (env: NodeJS.ProcessEnv) => {
  const r = await runProgram(status, 'dualroot-status', ['--json'], env);
  return {
    code: r.code,
    checks: JSON.parse(r.stdout).checks as { check: string; level: string; message: string; fix?: string }[],
  };
};

t.test(
  'old config, old unit links and old fstab options: warnings with the fix; the exit code unchanged',
  async (t) => {
    const m = await twoDiskMachine(t);
    const systemd = join(m.root, 'systemd');
    mkdirSync(systemd);
    const clean = await run({
      ...m.env,
      DUALROOT_SYSTEMD_DIR: systemd,
      DUALROOT_LEGACY_CONFIG: join(m.root, 'none.conf'),
    });
    t.same(
      clean.checks.filter((c) => c.check === 'legacy'),
      [],
      'nothing left: nothing said',
    );

    const old = join(m.root, 'sync-daemon.conf');
    writeFileSync(old, 'dualroot = true\n');
    mkdirSync(join(systemd, 'multi-user.target.wants'));
    symlinkSync(
      '/usr/lib/systemd/system/dual-root-syncd.service',
      join(systemd, 'multi-user.target.wants/dual-root-syncd.service'),
    );
    writeFileSync(
      join(systemd, 'bind-mount-efi.service'),
      '[Service]\nExecStart=/usr/bin/dual-root-tool -b\n',
    );
    writeFileSync(
      m.fstab,
      `PARTUUID=${m.disks[0]!.parts[0]!.partUuid} ${m.efi[0]} ext4 nofail,x-systemd.before=bind-mount-efi.service 0 2\n`,
    );
    const env = { ...m.env, DUALROOT_SYSTEMD_DIR: systemd, DUALROOT_LEGACY_CONFIG: old };
    const left = await run(env);
    t.equal(left.code, clean.code, 'leftovers do not change the exit code');
    const legacy = left.checks.filter((c) => c.check === 'legacy');
    t.ok(
      legacy.every((c) => c.level === 'warning'),
      'all warnings',
    );
    t.match(legacy, [
      {
        message: /sync-daemon.conf \(dual-root's config\) is still there but unused/,
        fix: /dualroot-migrate .*then remove/,
      },
      {
        message: /bind-mount-efi.service is a unit file of dual-root's: it hides the alias/,
        fix: /^rm .* && systemctl daemon-reload$/,
      },
      {
        message: /dual-root-syncd.service is enabled under dual-root's name/,
        fix: /^rm .*multi-user.target.wants\/dual-root-syncd.service && systemctl enable dualroot-watch.service$/,
      },
      {
        message: /line 1 .*x-systemd.before=bind-mount-efi.service/,
        fix: 'replace it with x-systemd.before=dualroot-bind.service',
      },
    ]);

    writeFileSync(m.config, '; nothing set\n[esp]\n');
    const untranslated = (await run(env)).checks.find((c) => c.check === 'legacy');
    t.match(untranslated, { message: /is not translated/, fix: /^dualroot-migrate --write/ });
  },
);
