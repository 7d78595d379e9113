// dualroot-status.service's ExecStart=, run the way systemd runs it, on a simulated machine: the
// metrics node_exporter reads, and what a bad configuration does to the unit.
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { main as bind } from '../../src/cli/bind.js';
import { main as sync } from '../../src/cli/sync.js';
import { btrfsRaid1 } from '../helpers/btrfs-raid.js';
import { bundle } from '../helpers/bundle.js';
import { ensureBuilt, repo } from '../helpers/packaging-install.js';
import { mountNamespace } from '../helpers/pacman-harness.js';
import { makeDisk, mount, runProgram, twoDiskMachine } from '../helpers/sim.js';
import { bytes, writeTree } from '../helpers/tree.js';
import { execArgv, list, successStatuses, unit } from '../helpers/unit-file.js';

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
    const { members: raid } = await btrfsRaid1(t, m.root);
    const other = await makeDisk(t, m.root, [{ type: 'linux', sizeMiB: 64 }]);
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
