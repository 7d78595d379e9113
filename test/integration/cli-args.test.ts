// The command line says exactly what runs (issue 11, items 7 and 8): a switch given a value is a
// usage error, never a real sync; -n/--dry-run are --test; a named config file must exist.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { main as bind } from '../../src/cli/bind.js';
import { main as sync } from '../../src/cli/sync.js';
import { runProgram, type SimMachine, twoDiskMachine } from '../helpers/sim.js';

const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(sync, 'dualroot-sync', argv, env);

/** A machine whose other ESP lacks a file of the booted one: a real sync would copy it. */
async function machine(t: Parameters<typeof twoDiskMachine>[0]): Promise<SimMachine> {
  const m = await twoDiskMachine(t);
  writeFileSync(join(m.efi[0]!, 'vmlinuz-linux'), 'new kernel');
  return m;
}

const copied = (m: SimMachine) => existsSync(join(m.efi[1]!, 'vmlinuz-linux'));

t.test('a switch with a value is a usage error (exit 2) and writes nothing', async (t) => {
  const m = await machine(t);
  for (const arg of [
    '--test=yes',
    '--test=1',
    '--test=on',
    '--test=TRUE',
    '-t=1',
    '-t1',
    '--dry-run=yes',
    '-n0',
  ]) {
    const r = await run(m.env, arg);
    t.equal(r.code, 2, `${arg}: exit 2`);
    t.match(
      r.stderr,
      /^dualroot-sync: error: .* is a switch and takes no value\ndualroot-sync: error: fix: write -/m,
      arg,
    );
    t.notOk(copied(m), `${arg}: nothing synced`);
  }
  const other = await run(m.env, '--quiet=yes');
  t.equal(other.code, 2, 'every switch, not only --test');
  t.notOk(copied(m));
});

t.test('-n, --dry-run, -tq and --test=true are dry runs; --test=false is a real run', async (t) => {
  const m = await machine(t);
  for (const argv of [['-n'], ['--dry-run'], ['-tq'], ['--test=true'], ['-nq']]) {
    const r = await run(m.env, ...argv);
    t.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
    if (!argv.some((a) => a.includes('q'))) t.match(r.stdout, /would create 1, update 0, delete 0/);
    t.notOk(copied(m), `${argv.join(' ')}: nothing written`);
  }
  const real = await run(m.env, '--test=false');
  t.equal(real.code, 0, real.stderr);
  t.ok(copied(m), 'written');
});

t.test('dualroot-bind -n and --dry-run print the mount and make none', async (t) => {
  const m = await twoDiskMachine(t);
  for (const arg of ['-n', '--dry-run']) {
    const r = await runProgram(bind, 'dualroot-bind', [arg], m.env);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, `would run: mount --bind ${m.efi[0]} ${join(m.root, 'boot')}`);
  }
  const bad = await runProgram(bind, 'dualroot-bind', ['--check=no'], m.env);
  t.equal(bad.code, 2);
});

t.test('a config file named on the command line or in DUALROOT_CONFIG must exist (exit 2)', async (t) => {
  const m = await machine(t);
  const missing = join(m.root, 'dualroot.cnf');
  const byOption = await run(m.env, '--config', missing);
  t.equal(byOption.code, 2);
  t.match(
    byOption.stderr,
    `dualroot-sync: error: ${missing}: does not exist (named by --config or DUALROOT_CONFIG)\ndualroot-sync: error: fix: check the path`,
  );
  const byEnv = await run({ ...m.env, DUALROOT_CONFIG: missing });
  t.equal(byEnv.code, 2);
  t.match(byEnv.stderr, `${missing}: does not exist`);
  t.notOk(copied(m), 'no run with the defaults');
  const unreadable = await run(m.env, '--config', m.root);
  t.equal(unreadable.code, 2, 'a directory is not a config file');
  t.match(unreadable.stderr, 'is not a regular file');
  const named = await run(m.env, '--config', m.config, '--test');
  t.equal(named.code, 0, 'an existing file named explicitly is read');
});
