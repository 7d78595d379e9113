// packaging/dualroot.rules.yml against real dualroot-status metrics: each state of a simulated
// two-disk machine is made for real, its --prometheus file linted by promtool, then fed to
// `promtool test rules` as what node_exporter exports, with the alerts that must fire and no others.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as sync } from '../../src/cli/sync.js';
import { alertTests, type Firing, RULES, SCRAPE, testRules } from '../helpers/alert-rules.js';
import { btrfsRaid1, loseDisk } from '../helpers/btrfs-raid.js';
import { inputSeries, parseSamples, promtool, type Sample } from '../helpers/promtool.js';
import { mount, runProgram } from '../helpers/sim.js';
import {
  CAPTURED_PARTUUIDS,
  EFIVARS_FIXTURES,
  healthyMachine,
  runStatus,
} from '../helpers/status-machine.js';

t.test('the rules file is valid for promtool', async (t) => {
  const check = await promtool(['check', 'rules', RULES]);
  t.equal(check.code, 0, check.output);
  t.match(check.output, /SUCCESS: 8 rules found/);
});

t.test('real dualroot-status metrics of each state: lint-clean, and exactly their alerts fire', async (t) => {
  const m = await healthyMachine(t);
  const prom = join(m.root, 'dualroot.prom');
  const states: { name: string; samples: Sample[]; firing: Firing[] }[] = [];
  const capture = async (name: string, env: NodeJS.ProcessEnv, code: number, firing: Firing[]) => {
    const result = await runStatus(env, '--prometheus', prom);
    t.equal(result.code, code, `${name}: dualroot-status exit code\n${result.stdout}`);
    const text = readFileSync(prom, 'utf8');
    const lint = await promtool(['check', 'metrics'], text);
    t.equal(lint.code, 0, `${name}: promtool check metrics is clean`);
    t.equal(lint.output, '', `${name}: no lint findings`);
    states.push({ name, samples: parseSamples(text), firing });
  };
  const efi1 = m.efi[1]!;
  const inSync = { item: 'esp', destination: efi1 };

  await capture('healthy', m.envx, 0, []);

  writeFileSync(join(efi1, 'loader/entries/arch.conf'), 'title Arch (edited on disk 1)\n');
  await capture('out-of-sync', m.envx, 3, [['DualrootDegraded'], ['DualrootDestinationOutOfSync', inSync]]);
  t.equal((await runProgram(sync, 'dualroot-sync', [], m.envx)).code, 0);

  // The real capture of a firmware with only its own fallback entries: no ESP has one of its own.
  const fallback = { ...m.envx, DUALROOT_EFIVARS: join(EFIVARS_FIXTURES, 'both-fallback-booted-disk0') };
  await capture('no-boot-entries', fallback, 3, [
    ['DualrootDegraded'],
    ...CAPTURED_PARTUUIDS.map((partuuid): Firing => ['DualrootBootEntryMissing', { partuuid }]),
  ]);

  // A btrfs RAID1 root that lost a device and runs mounted degraded.
  const { b, members } = await btrfsRaid1(t, m.root);
  await loseDisk(b);
  const root = join(m.root, 'raidroot');
  await mount(t, members[0], root, ['-o', 'degraded']);
  await capture('root-degraded', { ...m.envx, DUALROOT_ROOT: root }, 3, [
    ['DualrootDegraded'],
    ['DualrootRootNotRedundant', { check: 'root', subject: root }],
  ]);

  // Disk 1 dies: its ESP is not mounted; the sync after a kernel upgrade can only be degraded.
  await execa('umount', [efi1]);
  t.equal((await runProgram(sync, 'dualroot-sync', [], m.envx)).code, 3);
  await capture('disk-lost', m.envx, 3, [
    ['DualrootDegraded'],
    ['DualrootEspMissing', { mount: efi1 }],
    ['DualrootDestinationOutOfSync', inSync],
  ]);

  // It comes back: the copy still matches, but the last sync of it failed until the next one.
  await mount(t, m.disks[1]!.parts[0]!.device, efi1);
  await capture('disk-back', m.envx, 0, [['DualrootSyncFailed', { check: 'last-sync', subject: efi1 }]]);

  const dir = m.root;
  const tests = states.map(({ name, samples, firing }) => ({
    name,
    interval: '1m',
    input_series: inputSeries([{ samples, minutes: 31 }], SCRAPE),
    // At 5 minutes only the alerts without a `for` fire; at 15 all of them.
    alert_rule_test: [
      ...alertTests(
        '5m',
        firing.filter(([alert]) => alert === 'DualrootSyncFailed'),
      ),
      ...alertTests('15m', firing),
    ],
  }));
  const healthySamples = states[0]!.samples;
  const outOfSync = states[1]!.samples;
  tests.push(
    {
      name: 'metrics file no longer updated (the timer stopped)',
      interval: '1m',
      input_series: inputSeries([{ samples: healthySamples, minutes: 31 }], SCRAPE, true),
      alert_rule_test: [...alertTests('10m', []), ...alertTests('20m', [['DualrootStatusStale']])],
    },
    {
      // A check made in the middle of a kernel upgrade, the hook's sync right after it.
      name: 'out of sync for 3 minutes, then synced: nothing fires',
      interval: '1m',
      input_series: inputSeries(
        [
          { samples: outOfSync, minutes: 3 },
          { samples: healthySamples, minutes: 28 },
        ],
        SCRAPE,
      ),
      alert_rule_test: [...alertTests('2m', []), ...alertTests('15m', [])],
    },
  );
  const result = await testRules(dir, 'states', tests);
  t.equal(result.code, 0, result.output);
  t.match(result.output, /SUCCESS/);

  // The harness can fail: the disk-lost series with no alert expected is a failed rule test.
  const wrong = await testRules(dir, 'wrong', [{ ...tests[4]!, alert_rule_test: alertTests('15m', []) }]);
  t.not(wrong.code, 0, 'promtool reports alerts nobody expected');
  t.match(wrong.output, /DualrootEspMissing/);
});
