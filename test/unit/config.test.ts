import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { defaultConfig, parseConfig } from '../../src/core/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { loadConfig } from '../../src/sys/config-file.js';

const F = '/etc/dualroot/dualroot.conf';

t.test('the shipped sample config parses to the defaults plus its example item', async (t) => {
  const { readFileSync } = await import('node:fs');
  const sample = readFileSync(join(import.meta.dirname, '../../packaging/dualroot.conf'), 'utf8');
  const config = parseConfig(sample, F);
  const defaults = defaultConfig(F);
  t.same(config.esp, defaults.esp);
  t.same(config.bind, defaults.bind);
  t.same(config.watch, defaults.watch);
  t.same(config.items, [], 'the approach-2 example is commented out');
  const uncommented = sample.replace(/^;(\[sync:|source|destinations|exclude)/gm, '$1');
  t.match(parseConfig(uncommented, F).items, [
    { name: 'etc', source: '/etc', destinations: ['/mnt/root1/etc'] },
  ]);
});

t.test('every key parsed, lists split, paths normalised', async (t) => {
  const config = parseConfig(
    `[esp]
mounts = /efi0/, /efi1
sync = no
exclude = /loader/random-seed, /EFI/Linux/*.tmp
[bind]
target = /boot
guard = false
[rsync]
options = --checksum  --sparse
lock_timeout = 60
[watch]
delay = 1.5
max_delay = 10
sweep = 60
nice = 10
io_class = best-effort
[sync:etc]
source = /etc
destinations = /mnt/root1/etc
exclude = fstab, /loader/entries/
[sync:usr]
source = /usr
destinations[] = /mnt/root1/usr
destinations[] = /mnt/root2/usr
`,
    F,
  );
  t.same(config.esp, {
    mounts: ['/efi0', '/efi1'],
    sync: false,
    exclude: ['/loader/random-seed', '/EFI/Linux/*.tmp'],
  });
  t.same(config.bind, { target: '/boot', guard: false });
  t.same(config.rsync, { options: ['--checksum', '--sparse'], lockTimeout: 60 });
  t.same(config.watch, { delay: 1.5, maxDelay: 10, sweep: 60, nice: 10, ioClass: 'best-effort' });
  t.same(config.items[1], {
    name: 'usr',
    source: '/usr',
    destinations: ['/mnt/root1/usr', '/mnt/root2/usr'],
    exclude: [],
  });
});

const errors: [string, string, RegExp][] = [
  [
    'unknown key',
    '[esp]\nmount = /efi0\n',
    /^\/etc\/dualroot\/dualroot.conf line 2 \[esp\] mount: unknown key/,
  ],
  ['unknown section', '[paths]\nx = 1\n', /\[paths\]: unknown section/],
  ['key outside a section', 'sync = true\n', /dualroot.conf line 1 sync: key outside any section/],
  ['wrong type: boolean', '[esp]\nsync = maybe\n', /\[esp\] sync: "maybe" is not a boolean/],
  ['wrong type: number', '[watch]\ndelay = soon\n', /\[watch\] delay: "soon" is not a number/],
  ['number out of range', '[watch]\nnice = 40\n', /\[watch\] nice: "40" is not a number from -20 to 19/],
  [
    'max_delay below delay',
    '[watch]\ndelay = 5\nmax_delay = 1\n',
    /\[watch\] max_delay: 1 is less than delay/,
  ],
  ['bad io class', '[watch]\nio_class = slow\n', /\[watch\] io_class: "slow" is not an I\/O class/],
  ['relative path', '[bind]\ntarget = boot\n', /\[bind\] target: "boot" is a relative path/],
  [
    'relative destination',
    '[sync:etc]\nsource = /etc\ndestinations = mnt/etc\n',
    /\[sync:etc\] destinations: "mnt\/etc" is a relative path/,
  ],
  ['missing source', '[sync:etc]\ndestinations = /mnt/etc\n', /\[sync:etc\] source: missing/],
  ['missing destinations', '[sync:etc]\nsource = /etc\n', /\[sync:etc\] destinations: missing/],
  [
    'destination inside source',
    '[sync:etc]\nsource = /etc\ndestinations = /etc/backup\n',
    /\[sync:etc\] destinations: \/etc\/backup and the source \/etc overlap/,
  ],
  ['source inside destination', '[sync:etc]\nsource = /mnt/a/etc\ndestinations = /mnt/a\n', /overlap/],
  [
    'duplicate source',
    '[sync:a]\nsource = /etc\ndestinations = /mnt/1/etc\n[sync:b]\nsource = /etc\ndestinations = /mnt/2/etc\n',
    /\[sync:b\] source: \/etc is also the source of \[sync:a\]/,
  ],
  [
    'duplicate destination',
    '[sync:a]\nsource = /etc\ndestinations = /mnt/1/x\n[sync:b]\nsource = /usr\ndestinations = /mnt/1/x\n',
    /\[sync:b\] destinations: \/mnt\/1\/x is also a destination of \[sync:a\]/,
  ],
  [
    "source is another item's destination",
    '[sync:a]\nsource = /etc\ndestinations = /mnt/1/etc\n[sync:b]\nsource = /mnt/1/etc\ndestinations = /mnt/2/etc\n',
    /\[sync:b\] source: \/mnt\/1\/etc overlaps \/mnt\/1\/etc, a destination of \[sync:a\]/,
  ],
  [
    'destination inside an ESP mount',
    '[sync:a]\nsource = /etc\ndestinations = /efi1/etc\n',
    /inside an ESP mount/,
  ],
  ['dotted section', '[sync.etc]\nsource = /etc\n', /unknown section|cannot contain/],
  ['reserved item name', '[sync:esp]\nsource = /etc\ndestinations = /mnt/x\n', /"esp" is reserved/],
  ['odd item name', '[sync:a b]\nsource = /etc\ndestinations = /mnt/x\n', /not a plain name/],
  [
    'not an rsync option',
    '[rsync]\noptions = -a /tmp\n',
    /\[rsync\] options: "\/tmp" is not an rsync option/,
  ],
  ['unsafe rsync option', '[rsync]\noptions = --inplace\n', /not one of the rsync options known to be safe/],
];
for (const [name, text, message] of errors) {
  t.test(`config error: ${name}`, async (t) => {
    t.throws(() => parseConfig(text, F), { constructor: ConfigError, message, exitCode: 2 });
  });
}

t.test('loadConfig: absent file = defaults; refuses files others could change', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dualroot-config-'));
  t.teardown(() => rmSync(dir, { recursive: true }));
  t.same(loadConfig(join(dir, 'absent.conf')), defaultConfig(join(dir, 'absent.conf')));
  const file = join(dir, 'dualroot.conf');
  writeFileSync(file, '[esp]\nsync = true\n', { mode: 0o644 });
  t.equal(loadConfig(file).esp.sync, true);
  chmodSync(file, 0o664);
  t.throws(() => loadConfig(file), {
    message: /writable by group or others \(mode 664\)/,
    hint: `chmod go-w ${file}`,
  });
  chmodSync(file, 0o646);
  t.throws(() => loadConfig(file), /writable by group or others/);
  chmodSync(file, 0o644);
  chownSync(file, 65534, 0);
  t.throws(() => loadConfig(file), {
    message: /owned by uid 65534, not root/,
    hint: `chown root:root ${file}`,
  });
  t.equal(loadConfig(file, { requireRootOwned: false }).esp.sync, true);
  chownSync(file, 0, 0);
  t.throws(() => loadConfig(dir), { message: /is not a regular file/ });
});

t.test('[disk-map] pairs: PARTUUID pairs, lower-cased; a bad pair names the key', async (t) => {
  const a = '6AC54CFB-F548-7740-BFB2-2EE11824461A';
  const b = '3e9ab42b-cc28-c04e-a8a9-12064c11c65e';
  t.same(parseConfig(`[disk-map]\npairs = ${a}:${b}\n`, F).diskMap.pairs, [[a.toLowerCase(), b]]);
  t.same(defaultConfig(F).diskMap.pairs, []);
  t.throws(() => parseConfig('[disk-map]\npairs = /dev/sda3:/dev/sdb3\n', F), {
    message: /\[disk-map\] pairs.*not two PARTUUIDs/,
    hint: /PARTUUID:PARTUUID/,
  });
  t.throws(() => parseConfig(`[disk-map]\npairs = ${b}:${b}\n`, F), { message: /with itself/ });
});
