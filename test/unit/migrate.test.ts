import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseConfig } from '../../src/core/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { migrateLegacy } from '../../src/core/migrate.js';

const OLD = '/etc/dual-root/sync-daemon.conf';
const NEW = '/etc/dualroot/dualroot.conf';
const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../fixtures/dual-root', name), 'utf8');

/** Translates and parses the printed text back with dualroot's own parser: it must be the same config. */
function roundTrip(t: Test, text: string) {
  const m = migrateLegacy(text, OLD, NEW);
  const back = parseConfig(m.text, NEW);
  t.same(back, m.config, 'the printed text parses back to the translated config');
  return m;
}

t.test(
  "the documentation's sample file: every item, trailing slashes and excludes as rsync read them",
  async (t) => {
    const m = roundTrip(t, fixture('sample-approach2.conf'));
    t.equal(m.config.esp.sync, false);
    t.same(
      m.config.items.map((i) => [i.name, i.source, i.destinations, i.exclude]),
      [
        ['efi-EFI', '/efi/EFI', ['/mnt/root1/efi/EFI'], []],
        ['boot', '/boot', ['/mnt/root1/boot'], ['/loader']],
        ['bin', '/bin', ['/mnt/root1/bin'], []],
        ['lib', '/lib', ['/mnt/root1/lib'], []],
        ['lib64', '/lib64', ['/mnt/root1/lib64'], []],
        ['etc', '/etc', ['/mnt/root1/etc'], ['/fstab']],
        ['srv', '/srv', ['/mnt/root1/srv'], []],
        ['home', '/home', ['/mnt/root1/home'], []],
        ['opt', '/opt', ['/mnt/root1/opt'], []],
      ],
    );
    t.same(m.config.watch, { delay: 2, maxDelay: 60, sweep: 900, nice: 15, ioClass: 'idle' });
    t.same(m.config.rsync.options, ['--no-specials']);
    t.match(m.text, /; from sync item 6 \(line 15\) \["\/etc","\/mnt\/root1\/",\["\/etc\/fstab"\]\]/);
    t.match(m.text, /; dualroot = false \(\/etc\/dual-root\/sync-daemon.conf line 3\)/);
    t.match(m.text, /; "\/etc\/fstab" excluded \/etc\/fstab\nexclude = \/fstab/);
    t.match(m.text, /sync_delay = 60 .*line 7/);
    t.match(m.warnings.join('\n'), /\/efi\/EFI is on an ESP/);
  },
);

t.test('approach 1 with nothing: an empty file and a missing sync are the defaults', async (t) => {
  for (const text of ['', '# nothing\n', 'dualroot = true\n']) {
    const m = roundTrip(t, text);
    t.equal(m.config.esp.sync, true);
    t.same(m.config.items, []);
    t.same(m.config.rsync.options, [], 'no items: no [rsync] options');
    t.match(m.notes.join('\n'), /300 s between queue runs/);
  }
});

t.test('only dualroot = false: nothing is synced, said as a warning', async (t) => {
  const m = roundTrip(t, 'dualroot = false\n');
  t.equal(m.config.esp.sync, false);
  t.match(m.warnings, [/syncs nothing/]);
});

t.test('trailing slashes: contents vs the directory itself, on source and destination', async (t) => {
  const items = (sync: string) => roundTrip(t, `sync = ${sync}\n`).config.items;
  t.match(items('["/etc", "/mnt/root1/"]'), [
    { source: '/etc', destinations: ['/mnt/root1/etc'], exclude: [] },
  ]);
  t.match(
    items('["/etc", "/mnt/root1"]'),
    [{ destinations: ['/mnt/root1/etc'] }],
    'dest slash does not matter',
  );
  t.match(items('["/etc/", "/mnt/root1/etc"]'), [
    { source: '/etc', destinations: ['/mnt/root1/etc'], exclude: ['/lost+found/'] },
  ]);
  t.match(items('["/home/.", "/mnt/home1/"]'), [{ source: '/home', destinations: ['/mnt/home1'] }]);
  t.match(items('["/data/", ["/mnt/a/", "/mnt/b"]]'), [{ destinations: ['/mnt/a', '/mnt/b'] }], 'dest list');
  t.match(
    items('[["/etc", ["/mnt/a/", "/mnt/b/"], ["/etc/fstab", "*.pacnew"]], ["/srv", "/mnt/a/"]]'),
    [
      { name: 'etc', destinations: ['/mnt/a/etc', '/mnt/b/etc'], exclude: ['/fstab', '*.pacnew'] },
      { name: 'srv', destinations: ['/mnt/a/srv'] },
    ],
    'nested lists',
  );
  t.match(
    items('[["/etc", "/mnt/a/"], ["/etc", "/mnt/b/"]]'),
    [{ name: 'etc', destinations: ['/mnt/a/etc', '/mnt/b/etc'] }],
    'two items with one source are merged',
  );
});

t.test('excludes: anchored where rsync anchored them', async (t) => {
  const one = (sync: string) => roundTrip(t, `sync = ${sync}\n`);
  t.match(one('["/efi/EFI", "/mnt/x/", ["/EFI/Linux"]]').config.items[0], { exclude: ['/Linux'] });
  t.match(one('["/home/", "/mnt/h/", ["/gene/.cache/"]]').config.items[0], {
    exclude: ['/gene/.cache/', '/lost+found/'],
  });
  const dropped = one('["/etc", "/mnt/x/", ["/var/log"]]');
  t.same(dropped.config.items[0]?.exclude, []);
  t.match(dropped.warnings, [/"\/var\/log" dropped: .*excluded nothing/]);
});

const refusals: [string, string, RegExp][] = [
  ['a relative source', 'sync = ["etc", "/mnt/x/"]', /relative path/],
  ['a wildcard source', 'sync = ["/boot/*", "/mnt/x/boot/"]', /wildcard/],
  ['a relative destination', 'sync = ["/etc", "mnt/x"]', /relative path/],
  [
    'an exclude anchored elsewhere that reads as an absolute path',
    'sync = ["/home/", "/mnt/h/", ["/home/gene"]]',
    /anchored it at \/home.*\/home\/home\/gene/,
  ],
  ['an exclude of the whole source', 'sync = ["/etc", "/mnt/x/", ["/etc"]]', /excluded \/etc itself/],
  [
    'an unanchored pattern matching the source name',
    'sync = ["/etc", "/mnt/x/", ["e*"]]',
    /source's own name "etc"/,
  ],
  ['a ** pattern without a trailing slash', 'sync = ["/etc", "/mnt/x/", ["**/x"]]', /\*\*/],
  ['a filter rule', 'sync = ["/etc/", "/mnt/x/", ["+ keep"]]', /filter rule/],
  ['a comma in a pattern', 'sync = ["/etc/", "/mnt/x/", ["a,b"]]', /","/],
  ['a destination inside its source', 'sync = ["/srv/", "/srv/backup/"]', /overlap/],
  ['a destination listed twice', 'sync = ["/etc", ["/mnt/x/", "/mnt/x"]]', /listed twice/],
  [
    'one destination for two sources',
    'sync = [["/a/", "/mnt/x/"], ["/b/", "/mnt/x/"]]',
    /also a destination/,
  ],
  [
    'one source with two exclude lists',
    'sync = [["/etc", "/mnt/a/"], ["/etc", "/mnt/b/", ["x"]]]',
    /other excludes/,
  ],
  ['a destination inside an ESP mount', 'sync = ["/etc", "/efi1/"]', /inside an ESP mount/],
  [
    'an unsafe rsync option',
    'rsync_opts = "-axHAX --inplace"\nsync = ["/etc", "/mnt/x/"]',
    /"--inplace" is not one of the rsync options known to be safe/,
  ],
  ['an rsync exclude for everything', 'rsync_opts = "-axHAX --exclude=*.o"', /selects files/],
  ['a dry run', 'rsync_opts = "-axn"', /dry-run/],
  ['crossing file systems', 'rsync_opts = "-aHAX"\nsync = ["/var", "/mnt/x/"]', /no -x/],
  ['an unknown key', 'dualroot = true\nsyncs = []', /not a dual-root 3.6 setting/],
  ['a bad nice', 'nice = 40', /from -20 to 19/],
  ['a bad item shape', 'sync = [["/etc"]]', /wrong shape/],
  ['a non-boolean dualroot', 'dualroot = "yes"', /not true or false/],
  ['sync not a list', 'sync = "/etc"', /sync: not a list/],
  ['a destination that is not a path', 'sync = ["/etc", 5]', /destination is not a path/],
  ['excludes that are not strings', 'sync = ["/etc", "/mnt/x/", [1]]', /excludes are not a list of strings/],
  ['an exclude of the contents', 'sync = ["/etc/", "/mnt/x/", ["/"]]', /excludes the whole source/],
  ['-C (cvs excludes for everything)', 'rsync_opts = "-axC"', /-C, which selects files/],
  ['a short option with no long equivalent known', 'rsync_opts = "-axj"', /-j is not an option .* knows/],
  ['a word that is not an option', 'rsync_opts = "-ax foo"', /"foo" is not an rsync option/],
  ['rsync_opts not a string', 'rsync_opts = 5', /rsync_opts: not a string/],
  [
    '--append',
    'rsync_opts = "-axHAX --append"',
    /"--append" is not one of the rsync options known to be safe/,
  ],
  [
    '--no-one-file-system after -x',
    'rsync_opts = "-axHAX --no-one-file-system"\nsync = ["/etc", "/mnt/x/"]',
    /no -x/,
  ],
  [
    'a destination another item with the same source has',
    'sync = [["/etc", "/mnt/a/"], ["/etc", "/mnt/a"]]',
    /\/mnt\/a\/etc is also a destination of sync item 1/,
  ],
  ['a negative sync_delay', 'sync_delay = -1', /from 0 to 86400/],
  ['a nice that is not a number', 'nice = "x"', /"x" is not a number/],
  ['an ionice_class out of range', 'ionice_class = 7', /from 0 to 3/],
];
for (const [what, text, reason] of refusals) {
  t.test(`refused: ${what}`, async (t) => {
    t.throws(() => migrateLegacy(text, OLD, NEW), reason);
    t.throws(() => migrateLegacy(text, OLD, NEW), ConfigError, 'a ConfigError naming the old file');
  });
}

t.test('invalid TOML in the middle of the file names that line', async (t) => {
  t.throws(() => migrateLegacy('nice = 15\nsync_delay = = 3\ndualroot = true\n', OLD, NEW), {
    file: OLD,
    message: /not valid TOML at line 2, column \d+/,
  });
});

t.test('invalid TOML names the line', async (t) => {
  t.throws(() => migrateLegacy('nice = 15\nsync = [\n  ["/etc", "/mnt/x/"\n', OLD, NEW), {
    name: 'ConfigError',
    file: OLD,
    message: /not valid TOML at line \d+, column \d+/,
  });
});

t.test('rsync_opts: applied options dropped with a note, others carried for items', async (t) => {
  const m = roundTrip(t, 'rsync_opts = "-avxHAXc --bwlimit=5000"\nsync = ["/etc", "/mnt/x/"]\n');
  t.same(m.config.rsync.options, ['--no-specials', '--checksum', '--bwlimit=5000']);
  t.match(m.notes.join('\n'), /-a -v -x -H -A -X dropped/);
  t.match(m.warnings.join('\n'), /--checksum --bwlimit=5000 carried/);
});

t.test('priority keys map to [watch]', async (t) => {
  const m = roundTrip(t, 'nice = 5\nionice_class = 2\nionice_value = 6\nsync_delay = 1\n');
  t.same(m.config.watch, { delay: 1, maxDelay: 1, sweep: 900, nice: 5, ioClass: 'best-effort' });
  t.match(m.warnings.join('\n'), /ionice_value = 6 .* dropped/);
  t.equal(roundTrip(t, 'ionice_class = 1\n').config.watch.ioClass, 'realtime');
});
