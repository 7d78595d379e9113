// Real pacman transactions in which another package's hook writes the ESP after the files are
// installed (issue 13): stand-ins for sbctl's zz-sbctl.hook and mkinitcpio's
// 90-mkinitcpio-install.hook, with the real hooks' names and triggers (test/helpers/alpm-hooks.ts),
// run by pacman among dualroot's installed hooks. When pacman returns, every ESP must hold what
// those hooks wrote; with /boot unbound the guard must stop the transaction before any of it.
import t from 'tap';
import { espWriters } from '../helpers/alpm-hooks.js';
import { buildBootPackage, type PacmanMachine, pacmanMachine } from '../helpers/pacman-harness.js';
import { addHook, buildPackage } from '../helpers/pacman-packages.js';

const writer = (name: string) => {
  const found = espWriters.find((w) => w.name === name);
  if (!found) throw new Error(`no facts about ${name}`);
  return found;
};
const sbctl = writer('zz-sbctl.hook');
const mkinitcpio = writer('90-mkinitcpio-install.hook');

const initramfs = 'initramfs-6.0.0-test.img';
/** The stand-in mkinitcpio: a new image whose content says which run built it. */
const buildsInitramfs = `n=$(cat /boot/${initramfs} 2>/dev/null | wc -l)\nprintf 'initramfs build %s\\n' "$n" >>/boot/${initramfs}`;

let kernel = '';
let extramodules = '';
let ucode = '';

t.before(async () => {
  kernel = await buildBootPackage(t, 1);
  // Ships nothing on /boot and no kernel: only an out-of-tree module, as zfs-linux or nvidia do.
  extramodules = await buildPackage(t, {
    name: 'dualroot-test-extramodules',
    version: 1,
    files: { 'usr/lib/modules/6.0.0-test/extramodules/foo.ko': 'module\n' },
  });
  // Named like the microcode package and shipping none of the Path targets: only the Package
  // trigger can make dualroot's hooks run.
  ucode = await buildPackage(t, {
    name: 'intel-ucode',
    version: 1,
    files: { 'usr/share/licenses/intel-ucode/LICENSE': 'test\n' },
  });
});

/** Every ESP's copy of a file (booted first). */
const onEveryEsp = (m: PacmanMachine, file: string) =>
  Promise.all(m.efi.map((dir) => m.read(`${dir}/${file}`)));

t.test(
  'sbctl signs the kernel after dualroot-sync would have copied it: every ESP has the signed one',
  async (t) => {
    const m = await pacmanMachine(t);
    await addHook(m, {
      name: sbctl.name,
      paths: sbctl.paths.map((p) => p.target),
      // sbctl rewrites each file in place, signature appended; the stand-in prefixes a marker.
      script:
        'for f in /boot/vmlinuz-*; do { printf "SIGNED "; cat "$f"; } >"$f.new"; mv "$f.new" "$f"; done',
    });
    const r = await m.pacman(['-U', kernel]);
    t.equal(r.exitCode, 0, 'install succeeds', { output: r.all });
    const order = [...String(r.all).matchAll(/^\(\d+\/\d+\) (.*)$/gm)].map((x) => x[1]);
    t.ok(
      order.indexOf(`${sbctl.name} (stand-in)`) <
        order.findIndex((d) => d?.startsWith('Syncing the booted ESP')),
      'pacman ran the signing hook before the sync',
      { order },
    );
    t.strictSame(await onEveryEsp(m, 'vmlinuz-test'), ['SIGNED test kernel 1\n', 'SIGNED test kernel 1\n']);
  },
);

t.test('an extramodules-only package rebuilds the initramfs: every ESP has the new one', async (t) => {
  const m = await pacmanMachine(t);
  await addHook(m, {
    name: mkinitcpio.name,
    paths: mkinitcpio.paths.map((p) => p.target),
    packages: mkinitcpio.packages,
    script: buildsInitramfs,
  });
  const r = await m.pacman(['-U', extramodules]);
  t.equal(r.exitCode, 0, 'install succeeds', { output: r.all });
  t.match(r.all, /Checking that \/boot is the booted ESP/, 'the guard ran');
  t.match(r.all, /Syncing the booted ESP to the other ESPs/, 'the sync hook ran');
  t.strictSame(await onEveryEsp(m, initramfs), ['initramfs build 0\n', 'initramfs build 0\n']);
});

t.test('a Package trigger (intel-ucode) alone runs the sync after the hook that writes /boot', async (t) => {
  const m = await pacmanMachine(t);
  await addHook(m, { name: '95-test-ucode.hook', packages: ['intel-ucode'], script: buildsInitramfs });
  const r = await m.pacman(['-U', ucode]);
  t.equal(r.exitCode, 0, 'install succeeds', { output: r.all });
  t.match(r.all, /Syncing the booted ESP to the other ESPs/, 'the sync hook ran');
  t.strictSame(await onEveryEsp(m, initramfs), ['initramfs build 0\n', 'initramfs build 0\n']);
});

t.test('the guard stops those transactions when /boot is unbound, before any hook writes', async (t) => {
  const m = await pacmanMachine(t, { boot: 'unmounted' });
  await addHook(m, {
    name: mkinitcpio.name,
    paths: mkinitcpio.paths.map((p) => p.target),
    packages: [...mkinitcpio.packages, 'intel-ucode'],
    script: buildsInitramfs,
  });
  for (const [pkg, name] of [
    [extramodules, 'dualroot-test-extramodules'],
    [ucode, 'intel-ucode'],
  ] as const) {
    const r = await m.pacman(['-U', pkg]);
    t.not(r.exitCode, 0, `pacman -U ${name} fails`, { output: r.all });
    t.match(r.all, /==> ERROR: .*\/boot is not mounted/, 'the guard names /boot');
    t.notMatch(r.all, /stand-in|Syncing the booted ESP/, 'no post-transaction hook ran');
    t.not((await m.pacman(['-Q', name])).exitCode, 0, `${name} is not installed`);
  }
  for (const dir of ['/boot', ...m.efi])
    t.equal(await m.read(`${dir}/${initramfs}`), undefined, `nothing in ${dir}`);
});
