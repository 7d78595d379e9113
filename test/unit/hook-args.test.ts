// The hooks' bare `--hook` skips yargs (start-up): the arguments it makes up must be exactly
// what yargs would have parsed, or the hook would run with other settings than `--hook` says.
import t from 'tap';
import { defaultArgs, isBareHook, parse, pathsFrom } from '../../src/cli/args.js';
import { bindParser } from '../../src/cli/bind.js';
import type { Io } from '../../src/cli/output.js';
import { hookArgs, plainArgs, syncParser } from '../../src/cli/sync.js';

const io: Io = {
  env: { DUALROOT_CONFIG: '/etc/test/dualroot.conf', DUALROOT_EFIVARS: '/test/efivars' },
  stdout: () => {},
  stderr: () => {},
};

/** The options given, without yargs' own keys, the aliases (-t, --dry-run) and options left unset. */
// yargs also gives each kebab-case option in camelCase; the programs read only the kebab-case key.
const options = (args: object) =>
  Object.fromEntries(
    Object.entries(args).filter(
      ([k, v]) =>
        k !== '_' && k !== '$0' && k !== 'dry-run' && k.length > 1 && !/[A-Z]/.test(k) && v !== undefined,
    ),
  );

t.test('isBareHook: exactly ["--hook"]', async (t) => {
  t.ok(isBareHook(['--hook']));
  t.notOk(isBareHook(['--hook', '--quiet']));
  t.notOk(isBareHook(['--hook=false']));
  t.notOk(isBareHook([]));
});

t.test('dualroot-bind --hook: the same arguments with and without yargs', async (t) => {
  const parsed = await parse(await bindParser(io), ['--hook'], io);
  const fast = { ...defaultArgs(io), check: false, test: false, hook: true, target: undefined };
  t.strictSame(options(fast), options(parsed ?? {}));
  t.equal(pathsFrom(fast, io).config, '/etc/test/dualroot.conf', 'paths from the environment');
  t.equal(pathsFrom(fast, io).configRequired, true, 'a config named by the environment must exist');
  const quiet = { ...io, env: {} };
  t.equal(pathsFrom(defaultArgs(quiet), quiet).configRequired, false, 'the default config may be absent');
});

t.test('dualroot-sync --hook: the same arguments with and without yargs', async (t) => {
  const parsed = await parse(await syncParser(io), ['--hook'], io);
  t.strictSame(options(hookArgs(io)), options(parsed ?? {}));
});

t.test('dualroot-sync with no arguments: the same arguments with and without yargs', async (t) => {
  const parsed = await parse(await syncParser(io), [], io);
  t.strictSame(options(plainArgs(io)), options(parsed ?? {}));
  t.equal(plainArgs(io).hook, false, 'not a hook run');
});
