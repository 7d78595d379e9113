// [bind] target must be an empty directory of its own, never / or a system directory (issue 11,
// item 10): those were answered with "umount /" or bound over.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { main as bind } from '../../src/cli/bind.js';
import { parseConfig } from '../../src/core/config.js';
import { readMountinfo } from '../../src/sys/mountinfo.js';
import { runProgram, twoDiskMachine } from '../helpers/sim.js';

t.test('/ and system directories are configuration errors', async (t) => {
  for (const target of ['/', '/etc', '/usr', '/usr/lib/boot', '/proc/x', '/var', '/home', '/mnt'])
    t.throws(
      () => parseConfig(`[bind]\ntarget = ${target}\n`, 'f'),
      {
        message: `f line 2 [bind] target: ${target} is a system directory: binding the ESP there would hide it`,
        exitCode: 2,
      },
      target,
    );
  for (const target of ['/boot', '/efi', '/mnt/boot', '/tmp/x/boot'])
    t.equal(parseConfig(`[bind]\ntarget = ${target}\n`, 'f').bind.target, target);
});

t.test(
  'dualroot-bind refuses / (config or --target) and a target that is not an empty directory',
  async (t) => {
    const m = await twoDiskMachine(t);
    const mounted = () =>
      readMountinfo('/proc/self/mountinfo').filter((e) => e.mountPoint === join(m.root, 'boot')).length;
    const option = await runProgram(bind, 'dualroot-bind', ['--target', '/'], m.env);
    t.equal(option.code, 2);
    t.match(option.stderr, 'dualroot-bind: error: --target / is a system directory');
    t.notMatch(option.stderr, /umount/);
    writeFileSync(m.config, '[bind]\ntarget = /\n');
    const config = await runProgram(bind, 'dualroot-bind', [], m.env);
    t.equal(config.code, 2);
    t.match(config.stderr, /line 2 \[bind\] target: \/ is a system directory/);

    const boot = join(m.root, 'boot');
    writeFileSync(m.config, `[bind]\ntarget = ${boot}\n`);
    writeFileSync(join(boot, 'vmlinuz-linux'), 'a kernel from before dualroot');
    const full = await runProgram(bind, 'dualroot-bind', [], m.env);
    t.equal(full.code, 1);
    t.match(full.stderr, `${boot} is not empty (vmlinuz-linux): the bind would hide its files`);
    t.equal(mounted(), 0, 'nothing mounted');
    t.ok(existsSync(join(boot, 'vmlinuz-linux')));
    rmSync(boot, { recursive: true });
    const missing = await runProgram(bind, 'dualroot-bind', [], m.env);
    t.equal(missing.code, 1);
    t.match(missing.stderr, `${boot} does not exist`);
    mkdirSync(boot);
    const ok = await runProgram(bind, 'dualroot-bind', [], m.env);
    t.equal(ok.code, 0, ok.stderr);
    t.equal(mounted(), 1, 'an empty directory is bound');
  },
);
