// The systemd units: systemd-analyze verify (as installed, so ExecStart= binaries exist), the
// properties the boot depends on, the status service's ExecStart= run the way the unit runs it,
// and the documented fstab lines run through the real systemd-fstab-generator.
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as bind } from '../../src/cli/bind.js';
import { main as sync } from '../../src/cli/sync.js';
import { bundle } from '../helpers/bundle.js';
import { builtPrograms, ensureBuilt, repo, runInstall } from '../helpers/packaging-install.js';
import { mountNamespace } from '../helpers/pacman-harness.js';
import { makeDisk, mount, runProgram, scratch, twoDiskMachine } from '../helpers/sim.js';
import { bytes, writeTree } from '../helpers/tree.js';

const units = readdirSync(join(repo, 'units')).filter((f) => /\.(service|timer)$/.test(f));

/** Unit file settings as section -> key -> values (repeated keys accumulate). Comments dropped. */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      out[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq).trim();
    const settings = out[section]!;
    settings[key] = [...(settings[key] ?? []), line.slice(eq + 1).trim()];
  }
  return out;
}

const unit = (name: string) => parseUnit(readFileSync(join(repo, 'units', name), 'utf8'));
/** Space-separated list settings (After=, Before=, ...) merged over repeated lines. */
const list = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);

t.test('systemd-analyze verify passes on the installed units, without a single warning', async (t) => {
  await ensureBuilt();
  const root = scratch(t);
  const stage = join(root, 'stage');
  const installed = await runInstall(stage);
  t.equal(installed.exitCode, 0, 'install.sh succeeds', { output: installed.all });
  // The installed tree overlaid on /usr (in a private mount namespace): verify checks that each
  // ExecStart= program exists, so the units are checked together with what the package installs.
  const ns = await mountNamespace(t);
  const overlay = await ns.run('mount', [
    '-t',
    'overlay',
    'dualroot-units',
    '-o',
    `lowerdir=${stage}/usr:/usr`,
    '/usr',
  ]);
  t.equal(overlay.exitCode, 0, 'overlay mounted', { output: overlay.all });
  const built = builtPrograms();
  for (const name of units) {
    const program = name.replace(/\.(service|timer)$/, '');
    const installedUnit = `/usr/lib/systemd/system/${name}`;
    if (built.includes(program) || !program.startsWith('dualroot-')) {
      const r = await ns.run('systemd-analyze', ['verify', installedUnit]);
      t.equal(r.exitCode, 0, `${name} verifies`);
      // verify exits 0 on unknown keys and unparsable values ("..., ignoring."): demand silence.
      t.equal(String(r.all), '', `${name}: no warnings`);
    } else {
      // Its program is not built yet (another issue): verify the file from the source tree and
      // accept only the complaint about the missing program, so every other mistake still fails.
      const r = await ns.run('systemd-analyze', ['verify', join(repo, 'units', name)]);
      const lines = String(r.all).split('\n').filter(Boolean);
      t.strictSame(
        lines,
        [`${name}: Command /usr/bin/${program} is not executable: No such file or directory`],
        `${name}: nothing wrong but the missing ${program}`,
      );
    }
  }
});

t.test('the bind unit: oneshot after the ESP mounts, before local-fs.target, no namespacing', async (t) => {
  const u = unit('dualroot-bind.service');
  t.strictSame(u.Unit?.DefaultDependencies, ['no'], 'runs in early boot');
  t.ok(list(u.Unit?.Before).includes('local-fs.target'), 'Before=local-fs.target');
  t.ok(list(u.Unit?.After).includes('local-fs-pre.target'), 'After=local-fs-pre.target');
  t.strictSame(u.Service?.Type, ['oneshot']);
  t.strictSame(u.Service?.RemainAfterExit, ['yes'], 'stays active: /boot stays bound');
  t.strictSame(u.Service?.ExecStart, ['/usr/bin/dualroot-bind']);
  t.strictSame(u.Install?.WantedBy, ['local-fs.target']);
  t.strictSame(u.Unit?.ConditionPathExists, ['/sys/firmware/efi'], 'skipped on a non-UEFI boot');
  // Any of these gives the service its own mount namespace: the bind would be made there and be
  // invisible to the rest of the system.
  const namespacing = [
    'PrivateMounts',
    'PrivateTmp',
    'PrivateDevices',
    'ProtectSystem',
    'ProtectHome',
    'ProtectKernelTunables',
    'ProtectKernelModules',
    'ProtectKernelLogs',
    'ProtectControlGroups',
    'ProtectProc',
    'ProcSubset',
    'ReadOnlyPaths',
    'ReadWritePaths',
    'InaccessiblePaths',
    'ExecPaths',
    'NoExecPaths',
    'TemporaryFileSystem',
    'BindPaths',
    'BindReadOnlyPaths',
    'RootDirectory',
    'RootImage',
    'MountAPIVFS',
    'MountFlags',
    'DynamicUser',
  ];
  t.strictSame(
    Object.keys(u.Service ?? {}).filter((k) => namespacing.includes(k)),
    [],
    'no option that creates a private mount namespace',
  );
  t.match(
    readFileSync(join(repo, 'units/dualroot-bind.service'), 'utf8'),
    /# No sandboxing options here/,
    'says why',
  );
});

t.test('the watch unit: restarts, runs niced and idle, hardened but able to write', async (t) => {
  const u = unit('dualroot-watch.service');
  t.strictSame(u.Service?.ExecStart, ['/usr/bin/dualroot-watch']);
  t.strictSame(u.Service?.Restart, ['on-failure']);
  t.strictSame(u.Service?.Nice, ['15']);
  t.strictSame(u.Service?.IOSchedulingClass, ['idle']);
  t.ok(list(u.Unit?.After).includes('dualroot-bind.service'), 'starts after the bind');
  const s = u.Service ?? {};
  t.notOk(s.ProtectSystem?.includes('strict'), 'destinations (from the config) stay writable');
  t.notOk(s.ProtectHome, 'an approach-2 item may sync /home');
  t.notOk(s.PrivateDevices, 'blkid must see the partitions');
  t.notOk(s.ProtectClock, 'ProtectClock= adds a device allow-list that hides the partitions');
  t.notOk(s.RestrictSUIDSGID, 'copies of /usr keep setuid bits');
  // Node's JIT needs writable code; the unit's NODE_OPTIONS turn it off, which is what makes this hold.
  t.strictSame(s.MemoryDenyWriteExecute, ['yes']);
  t.ok(
    (s.Environment ?? []).some((e) => /NODE_OPTIONS=[^"]*--jitless/.test(e)),
    'MemoryDenyWriteExecute= only with node --jitless',
  );
  t.notOk(s.ReadWritePaths, 'a missing listed path (dead disk) would stop the daemon from starting');
  // Each hides or replaces a path an approach-2 source may hold, and rsync would copy the sandbox's
  // view: an empty private /var/tmp (--delete empties the copy's), a mode-000 /usr/lib/modules.
  t.notOk(s.PrivateTmp, '/var/tmp stays the real one');
  t.notOk(s.ProtectKernelModules, '/usr/lib/modules stays visible');
  t.notOk(s.ProcSubset, '/proc stays whole');
  t.notOk(s.InaccessiblePaths ?? s.TemporaryFileSystem ?? s.BindPaths, 'no path replaced');
  t.strictSame(s.NoNewPrivileges, ['yes']);
  // systemd's own exposure score (offline: no running systemd needed): fails above 6.5.
  const score = await execa(
    'systemd-analyze',
    ['security', '--offline=yes', '--threshold=65', join(repo, 'units/dualroot-watch.service')],
    { reject: false, all: true },
  );
  t.equal(score.exitCode, 0, 'exposure level at most 6.5', {
    output: String(score.all).split('\n').slice(-2),
  });
});

/** The exit statuses systemd counts as a service's success: 0 and the numbers in SuccessExitStatus=. */
const successStatuses = (u: ReturnType<typeof unit>) => [
  0,
  ...list(u.Service?.SuccessExitStatus)
    .filter((v) => /^\d+$/.test(v))
    .map(Number),
];

/**
 * ExecStart= as the argv systemd runs. Only plain words: a prefix (-, @, +, !, :), quoting,
 * escapes, specifiers (%), variables ($) or a command separator would make systemd run something
 * else than a split on spaces, so they fail here instead of being run differently.
 */
function execArgv(u: ReturnType<typeof unit>): string[] {
  const lines = u.Service?.ExecStart ?? [];
  if (lines.length !== 1) throw new Error(`expected one ExecStart=, got ${lines.length}`);
  const line = lines[0]!;
  if (/["'\\%$;]/.test(line) || /^[-@+!:]/.test(line))
    throw new Error(`ExecStart=${line} uses syntax this test does not interpret`);
  return line.split(/\s+/);
}

t.test(
  'the status timer and service: periodic, oneshot, the fast check, degraded is not a failure',
  async (t) => {
    const timer = unit('dualroot-status.timer');
    t.strictSame(timer.Timer?.OnBootSec, ['2min']);
    t.strictSame(timer.Timer?.OnUnitActiveSec, ['5min'], 'every 5 minutes after the last run');
    t.notOk(timer.Timer?.Unit, 'starts the service of its own name');
    t.notOk(timer.Timer?.OnCalendar, 'monotonic');
    t.notOk(timer.Timer?.Persistent, 'Persistent= is for OnCalendar= only');
    t.strictSame(timer.Install?.WantedBy, ['timers.target']);

    const u = unit('dualroot-status.service');
    t.strictSame(u.Service?.Type, ['oneshot']);
    t.notOk(u.Service?.RemainAfterExit, 'inactive between runs, so OnUnitActiveSec= starts it again');
    t.strictSame(u.Unit?.ConditionPathExists, ['/sys/firmware/efi'], 'skipped on a non-UEFI boot');
    t.notOk(u.Install, 'started by the timer, not enabled itself');
    const argv = execArgv(u);
    t.equal(argv[0], '/usr/bin/dualroot-status');
    t.notOk(argv.includes('--verify'), 'no --verify: it reads every file');
    const success = successStatuses(u);
    t.ok(success.includes(3), 'exit 3 (degraded) is a successful run: the metrics report it');
    t.notOk(success.includes(1) || success.includes(2), 'a failed check or a bad config fails the unit');
    const s = u.Service ?? {};
    t.strictSame(s.ProtectSystem, ['strict'], 'read-only but for the metrics directory');
    t.strictSame(s.StateDirectory, ['prometheus/node-exporter'], 'creates and opens the metrics directory');
    t.notOk(s.PrivateDevices, 'blkid must see the partitions');
    t.notOk(s.ProtectClock, 'ProtectClock= adds a device allow-list that hides the partitions');
    // Each hides or replaces a path an approach-2 source may hold: the sync check would see a
    // different source than dualroot-sync copies.
    t.notOk(s.PrivateTmp, '/var/tmp stays the real one');
    t.notOk(s.ProtectKernelModules, '/usr/lib/modules stays visible');
    t.notOk(s.ProcSubset, '/proc/mdstat stays visible');
    t.notOk(
      s.ProtectHome?.some((v) => v !== 'read-only'),
      '/home stays readable',
    );
    t.strictSame(s.NoNewPrivileges, ['yes']);
    const score = await execa(
      'systemd-analyze',
      ['security', '--offline=yes', '--threshold=45', join(repo, 'units/dualroot-status.service')],
      { reject: false, all: true },
    );
    t.equal(score.exitCode, 0, 'exposure level at most 4.5 (the daemon, which writes: 6.5)', {
      output: String(score.all).split('\n').slice(-2),
    });
  },
);

const PARTUUIDS: [string, string] = [
  '2501309a-e669-42ad-82ce-06032008c705',
  'dcd286f4-1c96-40ba-ac93-e4e3e0665751',
];
/** Where docs/dualroot-status.md tells node_exporter's textfile collector to look. */
const PROM_FILE = '/var/lib/prometheus/node-exporter/dualroot.prom';

t.test(
  "dualroot-status.service's ExecStart=, run as the unit runs it, writes the metrics node_exporter reads",
  async (t) => {
    await ensureBuilt();
    const u = unit('dualroot-status.service');
    const argv = execArgv(u);
    const s = u.Service ?? {};
    // A machine where every check has something to do: two ESPs with firmware boot entries
    // (captured EFI variables), /boot bound, an fstab with nofail, a btrfs RAID1 root, and an
    // approach-2 item whose source holds a user's private directory.
    const m = await twoDiskMachine(t, { partUuids: PARTUUIDS });
    const a = await makeDisk(t, m.root, [{ type: 'linux', sizeMiB: 300, fs: 'none' }]);
    const b = await makeDisk(t, m.root, [{ type: 'linux', sizeMiB: 300, fs: 'none' }]);
    const other = await makeDisk(t, m.root, [{ type: 'linux', sizeMiB: 64 }]);
    const raid = [a.parts[0]!.device, b.parts[0]!.device];
    await execa('mkfs.btrfs', ['-q', '-f', '-d', 'raid1', '-m', 'raid1', ...raid]);
    const root = join(m.root, 'raidroot');
    await mount(t, raid[0]!, root);
    const home = join(root, 'home');
    writeTree(home, { 'alice/notes': 'private\n' });
    chownSync(join(home, 'alice/notes'), 1000, 1000);
    chmodSync(join(home, 'alice/notes'), 0o600);
    chownSync(join(home, 'alice'), 1000, 1000);
    chmodSync(join(home, 'alice'), 0o700);
    const otherRoot = join(m.root, 'root1');
    await mount(t, other.parts[0]!.device, otherRoot);
    mkdirSync(join(otherRoot, 'home'));
    writeFileSync(
      m.config,
      `[bind]\ntarget = ${join(m.root, 'boot')}\n\n[sync:home]\nsource = ${home}\ndestinations = ${join(otherRoot, 'home')}\n`,
    );
    for (const efi of m.efi) writeTree(efi, { 'EFI/BOOT/BOOTX64.EFI': bytes(50_000, 1) });
    writeTree(m.efi[0]!, { 'vmlinuz-linux': bytes(300_000, 2), 'loader/entries/arch.conf': 'title Arch\n' });
    const env: Record<string, string> = {
      DUALROOT_CONFIG: m.config,
      DUALROOT_EFIVARS: join(import.meta.dirname, '../fixtures/efivars/both-entries-booted-disk0'),
      DUALROOT_ESP_ROOT: m.root,
      DUALROOT_SYSFS: join(m.root, 'sys'),
      DUALROOT_RUN_DIR: m.runDir,
      DUALROOT_FSTAB: m.fstab,
      DUALROOT_ROOT: root,
    };
    t.equal((await runProgram(bind, 'dualroot-bind', [], env)).code, 0, 'bound');
    const synced = await runProgram(sync, 'dualroot-sync', [], env);
    t.equal(synced.code, 0, 'synced', { stderr: synced.stderr });
    const badConfig = join(m.root, 'bad.conf');
    writeFileSync(badConfig, '[nonsense]\n', { mode: 0o644 });

    // The unit's sandbox, as far as it matters here, in a private mount namespace: StateDirectory=
    // (the directory exists, bind-mounted writable onto itself) under ProtectSystem=strict (every
    // other mount the run could reach read-only), and the CapabilityBoundingSet= and
    // NoNewPrivileges= of the unit. Paths under the state directory are moved into the test's.
    const states = list(s.StateDirectory).map((d) => `/var/lib/${d}`);
    const stateRoot = join(m.root, 'state');
    for (const dir of states) mkdirSync(join(stateRoot, dir), { recursive: true });
    const ns = await mountNamespace(t);
    const must = async (file: string, args: string[]): Promise<string> => {
      const r = await ns.run(file, args);
      if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')}: ${r.all}`);
      return String(r.stdout);
    };
    for (const dir of states) await must('mount', ['--bind', join(stateRoot, dir), join(stateRoot, dir)]);
    const targets = (await must('findmnt', ['-rn', '-o', 'TARGET'])).split('\n');
    const writable = states.map((d) => join(stateRoot, d));
    for (const target of targets) {
      const reachable =
        target === '/' || `${m.root}/`.startsWith(`${target}/`) || target.startsWith(`${m.root}/`);
      if (reachable && !writable.includes(target)) await must('mount', ['-o', 'remount,bind,ro', target]);
    }
    const mapped = argv
      .slice(1)
      .map((arg) => (states.some((d) => arg.startsWith(`${d}/`)) ? stateRoot + arg : arg));
    const caps = list(s.CapabilityBoundingSet).map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`);
    t.ok(caps.length > 0, 'the unit limits its capabilities');
    const setpriv = [
      `--bounding-set=-all,${caps.join(',')}`,
      '--inh-caps=-all',
      ...(s.NoNewPrivileges?.includes('yes') ? ['--no-new-privs'] : []),
    ];
    // /usr/bin/dualroot-status is the wrapper install.sh writes: node running the bundle.
    const runUnit = (extra: Record<string, string> = {}) =>
      ns.run('setpriv', [...setpriv, '--', process.execPath, bundle('dualroot-status'), ...mapped], {
        ...env,
        ...extra,
      });
    const prom = join(stateRoot, PROM_FILE);
    const success = successStatuses(u);

    const healthy = await runUnit();
    t.equal(healthy.exitCode, 0, 'healthy', { output: healthy.all });
    t.equal(String(healthy.all), '', 'a healthy run logs nothing (--quiet)');
    const metrics = readFileSync(prom, 'utf8');
    t.match(metrics, /^dualroot_degraded 0$/m);
    t.match(metrics, new RegExp(`^dualroot_esp_present\\{mount="${m.efi[1]}"\\} 1$`, 'm'));
    t.match(metrics, /^dualroot_boot_entry_present\{partuuid="dcd286f4-[^"]+"\} 1$/m);
    // Each needs one of the unit's capabilities: btrfs's device list, and the private directory.
    t.match(metrics, new RegExp(`^dualroot_root_degraded\\{mount="${root}"\\} 0$`, 'm'), 'btrfs RAID1 read');
    t.match(
      metrics,
      new RegExp(`^dualroot_destination_in_sync\\{item="home",destination="${otherRoot}/home"\\} 1$`, 'm'),
      "the item's private files compared",
    );
    t.ok(
      readFileSync(join(repo, 'docs/dualroot-status.md'), 'utf8').includes(
        `--collector.textfile.directory=${dirname(PROM_FILE)}`,
      ),
      'the directory the docs point node_exporter at',
    );
    const stamp = Number(/^dualroot_status_timestamp_seconds (\d+)$/m.exec(metrics)?.[1]);
    t.ok(Math.abs(stamp - Date.now() / 1000) < 120, 'timestamped now');

    await must('umount', [m.efi[1]!]);
    const degraded = await runUnit();
    t.equal(degraded.exitCode, 3, 'a lost ESP is degraded', { output: degraded.all });
    t.ok(success.includes(degraded.exitCode ?? -1), 'which the unit counts as success');
    t.match(String(degraded.all), /^problem {2}esps {6}.*efi1 is not mounted/m, 'the journal says what');
    const after = readFileSync(prom, 'utf8');
    t.match(after, /^dualroot_degraded 1$/m, 'the metrics report it');
    t.match(after, new RegExp(`^dualroot_esp_present\\{mount="${m.efi[1]}"\\} 0$`, 'm'));

    const broken = await runUnit({ DUALROOT_CONFIG: badConfig });
    t.equal(broken.exitCode, 2, 'a bad configuration', { output: broken.all });
    t.notOk(success.includes(broken.exitCode ?? -1), 'fails the unit');
    t.equal(readFileSync(prom, 'utf8'), after, 'and writes no metrics: the old timestamp goes stale');
  },
);

t.test('the documented fstab lines give the ordering and failure behaviour the bind relies on', async (t) => {
  const doc = readFileSync(join(repo, 'docs/arch-install.md'), 'utf8');
  const fstabLines = doc.split('\n').filter((l) => /^UUID=\S+\s+\/efi\d\s/.test(l));
  t.equal(fstabLines.length, 2, 'the guide shows one line per ESP');
  const dir = scratch(t);
  const fstab = join(dir, 'fstab');
  writeFileSync(fstab, `${fstabLines.join('\n')}\n`);
  const out = join(dir, 'out');
  for (const d of ['out', 'early', 'late']) mkdirSync(join(dir, d));
  // The real generator systemd runs at boot, pointed at the guide's lines.
  const r = await execa(
    '/lib/systemd/system-generators/systemd-fstab-generator',
    [out, join(dir, 'early'), join(dir, 'late')],
    { env: { SYSTEMD_FSTAB: fstab, SYSTEMD_PROC_CMDLINE: '' }, reject: false, all: true },
  );
  t.equal(r.exitCode, 0, 'the generator accepts the lines', { output: r.all });
  for (const mount of ['efi0.mount', 'efi1.mount']) {
    const m = parseUnit(readFileSync(join(out, mount), 'utf8'));
    t.ok(list(m.Unit?.Before).includes('dualroot-bind.service'), `${mount} is ordered before the bind`);
    t.notOk(
      list(m.Unit?.Before).includes('local-fs.target'),
      `${mount}: nofail, so boot does not wait on it`,
    );
  }
  const wants = readdirSync(join(out, 'local-fs.target.wants'));
  t.ok(wants.includes('efi0.mount') && wants.includes('efi1.mount'), 'local-fs.target only wants the ESPs');
  t.notOk(
    readdirSync(out).includes('local-fs.target.requires'),
    'nothing requires them: a dead disk is no emergency',
  );
  const timeouts = readdirSync(out)
    .filter((d) => d.endsWith('.device.d'))
    .map((d) => readFileSync(join(out, d, '50-device-timeout.conf'), 'utf8'));
  t.equal(timeouts.length, 2, 'a device timeout for each ESP');
  for (const conf of timeouts)
    t.match(conf, /^JobRunningTimeoutSec=10s?$/m, 'waits 10 s, not 90 s, for a dead disk');
});
