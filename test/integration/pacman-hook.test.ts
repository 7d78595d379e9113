// Real pacman transactions against the installed hooks (see test/helpers/pacman-harness.ts):
// the promise under test is that when pacman returns, every ESP holds what the transaction put
// on /boot, and that a transaction that would write kernels into the wrong /boot never starts.
import t from 'tap';
import {
  buildBootPackage,
  chrootTarget,
  type PacmanMachine,
  pacmanMachine,
} from '../helpers/pacman-harness.js';

const kernel = 'vmlinuz-test';
let v1 = '';
let v2 = '';

t.before(async () => {
  v1 = await buildBootPackage(t, 1);
  v2 = await buildBootPackage(t, 2);
});

/** pacman -Q: is the test package installed (and at which version)? */
async function installedVersion(m: PacmanMachine): Promise<string | undefined> {
  const q = await m.pacman(['-Q', 'dualroot-test-kernel']);
  return q.exitCode === 0 ? String(q.stdout).trim() : undefined;
}

t.test('install, upgrade and remove reach the other ESP before pacman returns', async (t) => {
  const m = await pacmanMachine(t);
  const [efi0, efi1] = m.efi as [string, string];

  const started = Date.now();
  const install = await m.pacman(['-U', v1]);
  const returned = Date.now();
  t.equal(install.exitCode, 0, 'install succeeds', { output: install.all });
  t.notMatch(install.all, /error:/i, 'no hook or pacman errors');
  t.match(install.all, /Checking that \/boot is the booted ESP/, 'the guard ran');
  t.match(install.all, /Syncing the booted ESP to the other ESPs/, 'the sync hook ran');
  t.equal(await m.read(`${efi0}/${kernel}`), 'test kernel 1\n', 'pacman wrote the booted ESP through /boot');
  t.equal(await m.read(`${efi1}/${kernel}`), 'test kernel 1\n', 'the other ESP holds the kernel');

  const state = JSON.parse((await m.read(`${m.runDir}/sync-state.json`)) ?? '{}');
  const dest = state.items?.esp?.destinations?.[efi1];
  t.equal(state.items?.esp?.source, efi0, 'the booted ESP was the source');
  t.equal(dest?.ok, true, 'the sync of the other ESP is recorded as successful');
  const syncedAt = Date.parse(dest?.time);
  t.ok(syncedAt >= started - 1000 && syncedAt <= returned, 'the sync happened during the pacman run');

  const upgrade = await m.pacman(['-U', v2]);
  t.equal(upgrade.exitCode, 0, 'upgrade succeeds', { output: upgrade.all });
  t.equal(await installedVersion(m), 'dualroot-test-kernel 2-1');
  t.equal(
    await m.read(`${efi1}/${kernel}`),
    'test kernel 2\n',
    'the upgrade replaced the file on the other ESP',
  );

  const remove = await m.pacman(['-R', 'dualroot-test-kernel']);
  t.equal(remove.exitCode, 0, 'removal succeeds', { output: remove.all });
  t.match(remove.all, /Syncing the booted ESP/, 'removal runs the sync hook too');
  t.equal(await m.read(`${efi0}/${kernel}`), undefined, 'gone from the booted ESP');
  t.equal(await m.read(`${efi1}/${kernel}`), undefined, 'gone from the other ESP');
});

t.test('the guard aborts when /boot is not mounted, before anything is installed', async (t) => {
  const m = await pacmanMachine(t, { boot: 'unmounted' });
  const r = await m.pacman(['-U', v1]);
  t.not(r.exitCode, 0, 'pacman fails', { output: r.all });
  t.match(r.all, /==> ERROR: .*\/boot/, 'a pacman-style error names /boot');
  t.match(
    r.all,
    /failed to run transaction hooks|failed to commit transaction/,
    'pacman aborted the transaction',
  );
  t.notMatch(r.all, /Syncing the booted ESP/, 'no post-transaction sync');
  t.equal(await installedVersion(m), undefined, 'the package is not installed');
  for (const dir of ['/boot', ...m.efi])
    t.equal(await m.read(`${dir}/${kernel}`), undefined, `nothing in ${dir}`);
});

t.test('the guard aborts when /boot is the other ESP and says what is mounted where', async (t) => {
  const m = await pacmanMachine(t, { boot: 'other-esp' });
  const r = await m.pacman(['-U', v1]);
  t.not(r.exitCode, 0, 'pacman fails', { output: r.all });
  t.match(r.all, /==> ERROR: /, 'pacman-style error');
  t.match(r.all, m.devices[1]!, 'names the device mounted on /boot');
  t.match(r.all, m.devices[0]!, 'names the booted ESP');
  t.equal(await installedVersion(m), undefined, 'the package is not installed');
  for (const dir of m.efi) t.equal(await m.read(`${dir}/${kernel}`), undefined, `nothing in ${dir}`);
});

t.test('guard = false lets the transaction run', async (t) => {
  const m = await pacmanMachine(t, { boot: 'other-esp', config: '[bind]\nguard = false\n' });
  const r = await m.pacman(['-U', v1]);
  t.match(r.all, /Checking that \/boot is the booted ESP[^\n]*\n\s*Skipped:/, 'the guard says it skipped');
  t.equal(await installedVersion(m), 'dualroot-test-kernel 1-1', 'the package is installed');
});

t.test('not booted with UEFI: both hooks skip and the transaction completes', async (t) => {
  const m = await pacmanMachine(t);
  const r = await m.pacman(['-U', v1], { DUALROOT_EFIVARS: `${m.root}/no-efivars` });
  t.equal(r.exitCode, 0, 'install succeeds', { output: r.all });
  t.equal((String(r.all).match(/Skipped: .*UEFI/g) ?? []).length, 2, 'guard and sync print Skipped: ...UEFI');
  t.equal(await m.read(`${m.efi[0]}/${kernel}`), 'test kernel 1\n', 'installed to /boot');
  t.equal(await m.read(`${m.efi[1]}/${kernel}`), undefined, 'nothing synced');
});

t.test('a missing ESP is a loud warning; the transaction still completes', async (t) => {
  const m = await pacmanMachine(t, { mountEfi1: false });
  const r = await m.pacman(['-U', v1]);
  t.equal(r.exitCode, 0, 'install succeeds', { output: r.all });
  const warnings = String(r.all)
    .split('\n')
    .filter((l) => l.startsWith('==> WARNING: '));
  t.ok(
    warnings.some((l) => l.includes(m.efi[1]!)),
    'a warning names the ESP mount point that was not synced',
    { warnings },
  );
  t.ok(
    warnings.some((l) => l.includes(m.devices[1]!)),
    "a warning names the missing ESP's partition and disk",
    { warnings },
  );
  t.notMatch(r.all, /error:/i, 'the hook did not fail');
  t.equal(await installedVersion(m), 'dualroot-test-kernel 1-1');
  t.equal(await m.read(`${m.efi[0]}/${kernel}`), 'test kernel 1\n');
  t.equal(await m.read(`${m.efi[1]}/${kernel}`), undefined, 'the unmounted directory on / was not written');
});

t.test('in a chroot (installing a new system) both hooks skip and the transaction completes', async (t) => {
  const m = await pacmanMachine(t);
  const target = await chrootTarget(m);
  const r = await target.pacman(['-U', v1]);
  t.equal(r.exitCode, 0, 'install succeeds', { output: r.all });
  t.equal(
    (String(r.all).match(/Skipped: .*chroot/g) ?? []).length,
    2,
    'guard and sync print Skipped: ...chroot',
  );
  t.equal(
    await m.read(`${target.root}/boot/${kernel}`),
    'test kernel 1\n',
    "installed into the new system's /boot",
  );
  for (const dir of m.efi)
    t.equal(await m.read(`${dir}/${kernel}`), undefined, `the live ESP ${dir} is untouched`);
});
