// DEVICE arguments complete to the disks in sysfs; a subcommand's positionals come from its
// command string. Shown on a parser built like dualroot-disk's, with a fake /sys/block.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import yargs, { type Argv } from 'yargs';
import { buildParser, parser } from '../../src/cli/args.js';
import { complete, fishScript } from '../../src/cli/completion-answer.js';
import { commandModel } from '../../src/cli/completion-model.js';
import type { Io } from '../../src/cli/output.js';
import { runMain } from '../../src/cli/run.js';
import { listDisks } from '../../src/sys/block.js';

const diskParser = async (io: Io) =>
  (await parser('dualroot-disk', 'add or replace a disk', io))
    .command('add <device>', 'make a blank disk a member', (y) =>
      y.positional('device', { type: 'string', describe: 'the blank disk' }),
    )
    .command('plan <verb> <device>', 'print the steps', (y) =>
      y.positional('verb', { choices: ['add', 'replace'] as const }).positional('device', { type: 'string' }),
    ) as unknown as Argv<unknown>;

function fakeSys(t: Test) {
  const sys = mkdtempSync(join(tmpdir(), 'dualroot-sys-'));
  t.teardown(() => rmSync(sys, { recursive: true, force: true }));
  for (const [name, size] of [
    ['sda', '1000'],
    ['nvme0n1', '2000'],
    ['loop3', '0'],
    ['nvme10n1', '5'],
  ]) {
    mkdirSync(join(sys, 'block', name!), { recursive: true });
    writeFileSync(join(sys, 'block', name!, 'size'), `${size}\n`);
  }
  return sys;
}

t.test('listDisks: whole disks with a medium, in natural order; none when sysfs is unreadable', async (t) => {
  const sys = fakeSys(t);
  t.same(listDisks(sys), ['/dev/nvme0n1', '/dev/nvme10n1', '/dev/sda']);
  t.same(listDisks(join(sys, 'absent')), []);
});

t.test('a DEVICE positional offers the disks; a positional with choices its choices', async (t) => {
  const sys = fakeSys(t);
  const out: string[] = [];
  const io: Io = { env: { DUALROOT_SYSFS: sys }, stdout: (l) => out.push(l), stderr: () => {} };
  const ask = async (...words: string[]) => {
    out.length = 0;
    const main = async () => 0;
    await runMain(
      'dualroot-disk',
      main,
      ['--get-yargs-completions', 'dualroot-disk', ...words],
      io,
      diskParser,
    );
    return [...out];
  };
  t.same(await ask(''), ['add', 'plan']);
  t.same(await ask('add', ''), ['/dev/nvme0n1', '/dev/nvme10n1', '/dev/sda']);
  t.same(await ask('add', '/dev/s'), ['/dev/sda']);
  const after = await ask('add', '/dev/sda', '');
  t.notOk(after.includes('/dev/sda'), 'one DEVICE only');
  t.ok(after.includes('--quiet'), 'then what can still be given: the options');
  t.same(await ask('plan', ''), ['add', 'replace']);
  t.same(await ask('plan', 'replace', ''), ['/dev/nvme0n1', '/dev/nvme10n1', '/dev/sda']);
  t.same(await ask('plan', '--quiet', 'add', '/dev/n'), ['/dev/nvme0n1', '/dev/nvme10n1'], 'options skipped');
  // devices are read only when a DEVICE is wanted
  const io2: Io = { env: {}, stdout: () => {}, stderr: () => {} };
  const model = commandModel('dualroot-disk', '', await diskParser(io2), (w, d, b) =>
    b(buildParser(yargs, `dualroot-disk ${w}`, d, io2) as unknown as Argv<unknown>),
  );
  let asked = 0;
  complete(model, ['dualroot-disk', 'add', '--'], () => {
    asked++;
    return [];
  });
  t.equal(asked, 0);
  const fish = fishScript(model);
  t.match(
    fish,
    `complete -c dualroot-disk -n '__fish_seen_subcommand_from add' -a '(dualroot-disk --get-yargs-completions (commandline -opc) "$(commandline -ct)")'`,
  );
  t.match(fish, `complete -c dualroot-disk -n '__fish_seen_subcommand_from plan' -a 'add replace'`);
});
