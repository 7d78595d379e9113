// DualrootPerDiskFilesWrong (packaging/dualroot.rules.yml) against real dualroot-status metrics of
// an approach-2 machine on two loop disks: a copy whose fstab and loader entry name the other
// disk's partitions fires it (with DualrootDegraded) for each such destination; after the sync that
// rewrites them, or when it lasts less than two timer runs, nothing fires.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { alertTests, type Firing, SCRAPE, testRules } from '../helpers/alert-rules.js';
import { approach2 } from '../helpers/approach2.js';
import { inputSeries, parseSamples, promtool, type Sample } from '../helpers/promtool.js';

t.test('per-disk files naming the other disk fire DualrootPerDiskFilesWrong, and only then', async (t) => {
  const m = await approach2(t, 0, { healthy: true });
  const prom = join(m.env.DUALROOT_RUN_DIR, 'status.prom');
  const capture = async (name: string, code: number): Promise<Sample[]> => {
    const result = await m.status('--prometheus', prom);
    t.equal(result.code, code, `${name}: dualroot-status exit code\n${result.out}`);
    const text = readFileSync(prom, 'utf8');
    const lint = await promtool(['check', 'metrics'], text);
    t.equal(lint.code, 0, `${name}: promtool check metrics is clean\n${lint.output}`);
    return parseSamples(text);
  };
  t.equal((await m.run()).code, 0);
  const healthy = await capture('synced', 0);
  t.ok(
    healthy.some((s) => s.name === 'dualroot_per_disk_files_ok' && s.value === 1),
    'the metric is there, 1',
  );

  // What copying verbatim (or editing by hand) leaves on disk 1.
  copyFileSync(join(m.root0, 'etc/fstab'), join(m.root1, 'etc/fstab'));
  copyFileSync(join(m.efi0, 'loader/entries/arch.conf'), join(m.efi1, 'loader/entries/arch.conf'));
  const wrong = await capture('verbatim copies', 3);
  const firing: Firing[] = [
    ['DualrootDegraded'],
    ['DualrootPerDiskFilesWrong', { item: 'esp', destination: m.efi1 }],
    ['DualrootPerDiskFilesWrong', { item: 'etc', destination: join(m.root1, 'etc') }],
  ];
  const tests = [
    {
      name: 'verbatim copies of the per-disk files',
      interval: '1m',
      input_series: inputSeries([{ samples: wrong, minutes: 31 }], SCRAPE),
      alert_rule_test: [...alertTests('5m', []), ...alertTests('15m', firing)],
    },
    {
      name: 'synced: nothing fires',
      interval: '1m',
      input_series: inputSeries([{ samples: healthy, minutes: 31 }], SCRAPE),
      alert_rule_test: alertTests('15m', []),
    },
    {
      name: 'wrong for 3 minutes, then dualroot-sync rewrote them: nothing fires',
      interval: '1m',
      input_series: inputSeries(
        [
          { samples: wrong, minutes: 3 },
          { samples: healthy, minutes: 28 },
        ],
        SCRAPE,
      ),
      alert_rule_test: [...alertTests('2m', []), ...alertTests('15m', [])],
    },
  ];
  const result = await testRules(m.env.DUALROOT_RUN_DIR, 'per-disk', tests);
  t.equal(result.code, 0, result.output);
  t.match(result.output, /SUCCESS/);

  // The harness can fail: the wrong state with no alert expected is a failed rule test.
  const unexpected = await testRules(m.env.DUALROOT_RUN_DIR, 'unexpected', [
    { ...tests[0], alert_rule_test: alertTests('15m', [['DualrootDegraded']]) },
  ]);
  t.not(unexpected.code, 0, 'promtool reports alerts nobody expected');
  t.match(unexpected.output, /DualrootPerDiskFilesWrong/);

  // dualroot-sync puts them right, and the metric says so.
  t.equal((await m.run()).code, 0);
  const after = await capture('synced again', 0);
  t.same(
    after.filter((s) => s.name === 'dualroot_per_disk_files_ok').map((s) => s.value),
    [1, 1],
  );
});
