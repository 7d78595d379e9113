// Bad paths and closed pipes are clear errors, not stack traces or endless loops (issue 11,
// "Truthful reports"): efivars missing or a file, a garbage mountinfo line, a --prometheus file
// nowhere writable, stdout closed early. --json reports every failure as a JSON object.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as esp } from '../../src/cli/esp.js';
import { main as status } from '../../src/cli/status.js';
import { main as sync } from '../../src/cli/sync.js';
import { bundle } from '../helpers/bundle.js';
import { mount, runProgram, twoDiskMachine } from '../helpers/sim.js';

const PROGRAMS = ['dualroot-esp', 'dualroot-bind', 'dualroot-sync', 'dualroot-status', 'dualroot-watch'];
const noStack = /^\s+at |unexpected failure/m;

t.test('a missing efivars directory: not booted in UEFI mode, or efivarfs not mounted', async (t) => {
  const m = await twoDiskMachine(t);
  const missing = join(m.root, 'no-efivars');
  const r = await runProgram(esp, 'dualroot-esp', ['--efivars', missing], m.env);
  t.equal(r.code, 1);
  t.match(
    r.stderr,
    `dualroot-esp: error: cannot tell which ESP the firmware booted: ${missing} does not exist: not booted in UEFI mode, or efivarfs not mounted\ndualroot-esp: error: fix: boot this machine in UEFI mode; if it is, mount efivarfs`,
  );
  t.notMatch(r.stderr, /change your boot loader|boot with a loader/);
  const json = await runProgram(sync, 'dualroot-sync', ['--json', '--efivars', missing], m.env);
  t.equal(json.code, 1);
  t.match(JSON.parse(json.stdout).results[0], { status: 'refused', message: /not booted in UEFI mode/ });
});

t.test(
  'an efivars path that is a file and a garbage mountinfo line are errors, not stack traces',
  async (t) => {
    const m = await twoDiskMachine(t);
    const file = join(m.root, 'efivars-file');
    writeFileSync(file, 'x');
    const r = await runProgram(esp, 'dualroot-esp', ['--efivars', file], m.env);
    t.equal(r.code, 1);
    t.match(r.stderr, `${file} is not a directory, so not efivarfs`);
    t.match(r.stderr, /fix: point --efivars \(or DUALROOT_EFIVARS\) at the efivarfs directory/);
    t.notMatch(r.stderr, noStack);
    const entries = await runProgram(esp, 'dualroot-esp', ['entries', '--efivars', file], m.env);
    t.equal(entries.code, 1);
    t.notMatch(entries.stderr, noStack);

    const mountinfo = join(m.root, 'mountinfo');
    writeFileSync(mountinfo, `${readFileSync('/proc/self/mountinfo', 'utf8')}garbage line\n`);
    const garbage = await runProgram(esp, 'dualroot-esp', [], { ...m.env, DUALROOT_MOUNTINFO: mountinfo });
    t.equal(garbage.code, 1);
    t.match(
      garbage.stderr,
      /mountinfo line \d+: not a mountinfo line: garbage line\n.*fix: the mount table must be/,
    );
    t.notMatch(garbage.stderr, noStack);
  },
);

t.test(
  '--prometheus into a missing, /proc or read-only directory fails at once, after the checks',
  async (t) => {
    const m = await twoDiskMachine(t);
    const ro = join(m.root, 'ro');
    mkdirSync(ro);
    await mount(t, 'tmpfs', ro, ['-t', 'tmpfs', '-o', 'ro']);
    for (const [file, reason] of [
      [join(m.root, 'missing/dualroot.prom'), `its directory ${join(m.root, 'missing')} does not exist`],
      ['/proc/nonexistent/x', 'its directory /proc/nonexistent does not exist'],
      [join(ro, 'dualroot.prom'), `${ro} is on a read-only filesystem`],
    ] as const) {
      const r = await runProgram(status, 'dualroot-status', ['--prometheus', file], m.env);
      t.equal(r.code, 1, file);
      t.match(r.stdout, /^ok {7}esps /m, 'the checks are still printed');
      t.match(r.stderr, `dualroot-status: error: cannot write the metrics file ${file}: ${reason}`);
      t.notMatch(r.stderr, noStack);
    }
    t.notOk(
      (await execa('ls', [m.root])).stdout.split('\n').includes('missing'),
      'no directory created for a mistyped path',
    );
    const json = await runProgram(
      status,
      'dualroot-status',
      ['--json', '--prometheus', '/proc/nonexistent/x'],
      m.env,
    );
    t.equal(json.code, 1);
    t.match(JSON.parse(json.stdout), { exitCode: 1, error: { message: /cannot write the metrics file/ } });
  },
);

t.test('--json: a usage or configuration error is a JSON error object on stdout', async (t) => {
  const m = await twoDiskMachine(t);
  const unknown = await runProgram(status, 'dualroot-status', ['--json', '--bogus'], m.env);
  t.equal(unknown.code, 2);
  t.same(JSON.parse(unknown.stdout), {
    error: {
      program: 'dualroot-status',
      kind: 'usage',
      message: 'Unknown argument: bogus',
      fix: 'see dualroot-status --help',
      exitCode: 2,
    },
  });
  writeFileSync(m.config, '[sync:data]\nsource = /srv/data\ndestinations = /mnt/r1/data;old\n');
  const config = await runProgram(sync, 'dualroot-sync', ['--json'], m.env);
  t.equal(config.code, 2);
  t.match(JSON.parse(config.stdout), {
    error: {
      kind: 'config',
      exitCode: 2,
      file: m.config,
      line: 3,
      section: 'sync:data',
      key: 'destinations',
    },
  });
  t.match(config.stderr, /dualroot-sync: error: .* line 3 \[sync:data\] destinations: ";" starts a comment/);
  const plain = await runProgram(sync, 'dualroot-sync', ['--json', '--no-json'], m.env);
  t.equal(plain.stdout, '', '--no-json after --json: text only');
});

t.test('every program has --version, baked into its bundle', async (t) => {
  const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'));
  for (const program of PROGRAMS) {
    // From another directory: the bundle must not need package.json beside it.
    const r = await execa('node', [bundle(program), '--version'], { cwd: '/', reject: false });
    t.equal(r.exitCode, 0, program);
    t.equal(r.stdout, version, `${program} --version`);
  }
});

t.test('a closed stdout (dualroot-esp | head -1) ends quietly with the run exit code', async (t) => {
  const m = await twoDiskMachine(t);
  const r = await execa(
    'bash',
    ['-c', `node ${bundle('dualroot-esp')} | head -1; echo "exit \${PIPESTATUS[0]}" >&2`],
    {
      env: m.env,
      reject: false,
    },
  );
  t.match(r.stdout, /^booted ESP: PARTUUID /);
  t.equal(r.stderr, 'exit 0', 'no EPIPE trace, exit 0');
  // A reader that is gone before the first line: every write meets a closed pipe.
  const gone = await execa(
    'bash',
    ['-c', `node ${bundle('dualroot-esp')} | true; echo "exit \${PIPESTATUS[0]}" >&2`],
    {
      env: m.env,
      reject: false,
    },
  );
  t.equal(gone.stderr, 'exit 0', 'no EPIPE trace, exit 0');
});
