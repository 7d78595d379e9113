import t from 'tap';
import type { JobResult, SyncReport } from '../../src/core/sync-engine.js';
import { watchLog, watchSyncReport } from '../../src/core/watch-report.js';

const result = (item: string, destination: string, status: JobResult['status'], message = ''): JobResult => ({
  item,
  source: `/src/${item}`,
  destination,
  status,
  message,
  changes:
    status === 'ok'
      ? {
          created: ['a'],
          updated: [],
          deleted: [],
          retimed: [],
          files: 1,
          bytes: 2048,
          kept: 0,
          createdBytes: 2048,
          updatedBytes: 0,
        }
      : undefined,
  seconds: 0.25,
});

const report = (results: JobResult[], warnings: string[] = []): SyncReport => ({
  dryRun: false,
  results,
  warnings,
  notes: [],
  exitCode: 0,
});

t.test(
  'each item gets the one outcome rule: refused fails, missing or an ESP warning degrades',
  async (t) => {
    const judged = watchSyncReport(
      ['esp', 'etc', 'usr', 'home'],
      report(
        [
          result('esp', '/efi1', 'ok'),
          result('etc', '/mnt/etc', 'refused', 'same filesystem'),
          result('usr', '/mnt/usr', 'missing', 'not mounted'),
        ],
        ['ESP /dev/vdc1 is not mounted at any ESP mount point'],
      ),
      new Set(),
    );
    t.same(Object.fromEntries(Object.entries(judged.items).map(([k, v]) => [k, v.outcome])), {
      esp: 'degraded',
      etc: 'failed',
      usr: 'degraded',
      home: 'ok',
    });
    t.equal(judged.items.esp?.message, 'ESP /dev/vdc1 is not mounted at any ESP mount point');
    t.match(judged.items.etc?.message, /^etc: \/src\/etc -> \/mnt\/etc: refused: same filesystem$/);
    t.same(
      judged.lines.map((l) => l.level),
      ['warn', 'info', 'error', 'warn', 'info'],
      'the new warning first, then per item in order',
    );
    t.match(judged.lines[1]?.text, /^esp: synced \/src\/esp -> \/efi1 \(1 file, 2\.0 KiB, 0\.3 s\)$/);
    t.match(judged.lines[3]?.text, /will retry when it is back$/);
    t.equal(judged.lines[4]?.text, 'home: nothing to sync to (no destination)');

    const again = watchSyncReport(['esp'], report([], [...judged.warnings]), judged.warnings);
    t.notOk(
      again.lines.some((l) => l.level === 'warn'),
      'a warning already logged is not logged again',
    );
  },
);

t.test(
  'a missing destination is logged once while it stays missing, and again after it was back',
  async (t) => {
    const missing = report([result('usr', '/mnt/usr', 'missing', 'not mounted')]);
    const warns = (r: { lines: { level: string }[] }) => r.lines.filter((l) => l.level === 'warn').length;
    const first = watchSyncReport(['usr'], missing, new Set());
    t.equal(warns(first), 1);
    const second = watchSyncReport(['usr'], missing, first.warnings);
    t.equal(warns(second), 0, 'the same warning is not logged twice');
    t.equal(second.items.usr?.outcome, 'degraded', 'still degraded');
    // Another item's sync in between keeps it seen.
    const other = watchSyncReport(['etc'], report([result('etc', '/mnt/etc', 'ok')]), second.warnings);
    t.equal(warns(watchSyncReport(['usr'], missing, other.warnings)), 0);
    const back = watchSyncReport(['usr'], report([result('usr', '/mnt/usr', 'ok')]), other.warnings);
    t.equal(
      warns(watchSyncReport(['usr'], missing, back.warnings)),
      1,
      'missing again after it was back: said again',
    );
  },
);

t.test('log lines that carry a fix say it as "problem; fix: hint"', async (t) => {
  t.equal(
    watchLog.watchError('etc', '/etc', 'inotify watch limit reached', 'ENOSPC'),
    'etc: watching /etc: inotify watch limit reached; fix: raise the inotify watch limit (sysctl fs.inotify.max_user_watches)',
  );
  t.equal(watchLog.watchError('etc', '/etc', 'EACCES', 'EACCES'), 'etc: watching /etc: EACCES');
  t.equal(
    watchLog.stateNotWritten('/run/dualroot/watch-state.json', 'EROFS'),
    'cannot write /run/dualroot/watch-state.json: EROFS; fix: check that DUALROOT_RUN_DIR is writable',
  );
});
