// dual-root-tool on the simulated machine: the old options run the new programs with the right options.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { WatchControl } from '../../src/app/watch.js';
import { main } from '../../src/cli/legacy-tool.js';
import type { Io } from '../../src/cli/output.js';
import { runProgram, twoDiskMachine } from '../helpers/sim.js';
import { bytes, writeTree } from '../helpers/tree.js';

const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(main, 'dual-root-tool', argv, env);

t.test('no arguments: dualroot-esp, which names the booted ESP', async (t) => {
  const m = await twoDiskMachine(t);
  const r = await run(m.env);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /^dual-root-tool: running dualroot-esp \(see /);
  t.equal(r.stderr.split('\n').filter((l) => l.includes('running')).length, 1, 'said once');
  t.match(r.stdout, new RegExp(`\\* ${m.disks[0]!.parts[0]!.device} `), 'the booted ESP is marked');
});

t.test('-bt: dualroot-bind --test, with the positional mount point as its target', async (t) => {
  const m = await twoDiskMachine(t);
  const r = await run(m.env, '-bt');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, `running dualroot-bind --config ${m.config} --test (`);
  t.match(r.stdout, `would run: mount --bind ${m.efi[0]} ${join(m.root, 'boot')}`);
  const other = join(m.root, 'other');
  mkdirSync(other); // dualroot-bind refuses a target that does not exist (issue 11)
  const target = await run(m.env, '-b', '-t', other);
  t.equal(target.code, 0, target.stderr);
  t.match(target.stderr, `--test --target ${other}`);
  t.match(target.stdout, `would run: mount --bind ${m.efi[0]} ${other}`);
});

t.test('-st: dualroot-sync --test; -q adds --quiet', async (t) => {
  const m = await twoDiskMachine(t);
  writeTree(m.efi[0]!, { 'vmlinuz-linux': bytes(1000, 1) });
  const r = await run(m.env, '-st');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, `running dualroot-sync --config ${m.config} --test (`);
  t.match(r.stdout, /would create \d+.*\n {2}create vmlinuz-linux/);
  const quiet = await run(m.env, '-s', '-t', '-q');
  t.match(quiet.stderr, '--quiet --test');
  t.equal(quiet.stdout, '', 'quiet');
});

t.test('-sd -t: dualroot-watch --test, stopped like the daemon', async (t) => {
  const m = await twoDiskMachine(t);
  const out: string[] = [];
  const io: Io = { env: m.env, stdout: (l) => out.push(l), stderr: (l) => out.push(l) };
  let stop = () => {};
  const control: WatchControl = {
    attach(handlers) {
      stop = handlers.stop;
      return () => {};
    },
    onEvent: (event) => {
      if (event.type === 'armed') stop();
    },
  };
  writeTree(m.efi[0]!, { 'vmlinuz-linux': bytes(1000, 1) });
  const code = await main(['-sd', '-t'], io, control);
  t.equal(code, 0, out.join('\n'));
  t.match(out[0], `dual-root-tool: running dualroot-watch --config ${m.config} --test (`);
  t.notOk(
    existsSync(join(m.efi[1]!, 'vmlinuz-linux')),
    "the daemon's start-up sync was a dry run: nothing copied",
  );
});

t.test('with no dualroot.conf settings, the old config is read through the translation', async (t) => {
  const m = await twoDiskMachine(t);
  rmSync(m.config);
  const old = join(m.root, 'sync-daemon.conf');
  writeFileSync(old, 'dualroot = false\n');
  const env = { ...m.env, DUALROOT_LEGACY_CONFIG: old };
  const r = await run(env, '-st');
  t.equal(r.code, 0, r.stderr);
  const translated = join(m.runDir, 'dual-root-tool.conf');
  t.match(r.stderr, `running dualroot-sync --config ${translated} --test`);
  t.match(r.stderr, `note: read ${old} through dualroot-migrate's translation`);
  t.match(readFileSync(translated, 'utf8'), /^sync = false$/m);
  t.match(r.stdout, /nothing to sync/, 'the old config said: no ESP sync, no items');
  const named = await run(m.env, '-st', '-c', join(m.root, 'missing.conf'));
  t.equal(named.code, 2, '-c names a file that is not there');
  t.match(named.stderr, /missing\.conf: does not exist/);
});
