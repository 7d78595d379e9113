// The upgrade-to-safe window: in a real pacman transaction that upgrades a kernel (vmlinuz,
// initramfs, fallback initramfs on /boot = the booted ESP), the time from pacman's start until every
// ESP holds the new files flushed, whether every ESP matches when pacman exits, and the share of the
// transaction the dualroot hooks take (the same transaction with the dualroot hooks disabled is the
// baseline).
//
// Built on the Arch-integration harness (test/helpers/pacman-harness.ts, issue 4): pacman with root
// "/" in a private mount namespace, dualroot installed by packaging/install.sh into an overlay /usr,
// two ESPs (ext4) on loop devices, /boot bound to the booted one. Without that harness (before
// issue 4 lands) this benchmark says so and exits 0.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Result as ExecaResult } from 'execa';
import type { Test } from 'tap';
import { commandLine, machine, median, publish, type Row, smoke } from './lib/report.js';
import { scope } from './lib/scope.js';

// The parts of the harness this benchmark uses (imported at run time: it may not exist yet).
interface Namespace {
  run(file: string, args: string[], env?: Record<string, string>): Promise<ExecaResult>;
}
interface PacmanMachine {
  ns: Namespace;
  root: string;
  efi: string[];
  runDir: string;
  env: Record<string, string>;
  pacman(args: string[], env?: Record<string, string>): Promise<ExecaResult>;
  read(path: string): Promise<string | undefined>;
}
interface Harness {
  pacmanMachine(t: Test, options?: { espMiB?: number }): Promise<PacmanMachine>;
}
interface PackagingInstall {
  builderDir(t: Test): string;
  asBuilder(
    file: string,
    args: string[],
    options: { cwd: string; home: string; env?: Record<string, string> },
  ): Promise<ExecaResult>;
}

const harnessFile = new URL('../test/helpers/pacman-harness.ts', import.meta.url);
if (!existsSync(harnessFile)) {
  const text =
    '### Upgrade-to-safe window\n\nNot run: the pacman harness (test/helpers/pacman-harness.ts, issue 4) is not on this branch.\n';
  process.stdout.write(`\n${text}\n`);
  process.exit(0);
}
const harnessPath = '../test/helpers/pacman-harness.js';
const installPath = '../test/helpers/packaging-install.js';
const { pacmanMachine } = (await import(harnessPath)) as Harness;
const { asBuilder, builderDir } = (await import(installPath)) as PackagingInstall;

const MiB = 2 ** 20;
const rounds = smoke ? 1 : Number(process.env.BENCH_WINDOW_RUNS ?? 7);
const KERNEL = 'linux-bench';
/** Sizes of one Arch kernel's files on /boot (MiB, as in bench/lib/esp.ts): scaled down to fit the ESPs. */
const FULL = { vmlinuz: 14, initramfs: 20, fallback: 64 };
const FULL_BYTES = (FULL.vmlinuz + FULL.initramfs + FULL.fallback) * MiB;
const files = [`vmlinuz-${KERNEL}`, `initramfs-${KERNEL}.img`, `initramfs-${KERNEL}-fallback.img`];

/** Builds the fake kernel package (uncompressed, random contents) at a version and scale. */
async function buildKernelPackage(t: Test, version: number, scale: number): Promise<string> {
  const dir = builderDir(t);
  const size = (mib: number) => Math.max(1, Math.round(mib * MiB * scale));
  writeFileSync(
    join(dir, 'PKGBUILD'),
    [
      `pkgname=${KERNEL}`,
      `pkgver=${version}`,
      'pkgrel=1',
      "pkgdesc='Fake kernel for the dualroot window benchmark'",
      "arch=('any')",
      "license=('MIT')",
      'options=(!strip)',
      'package() {',
      '  install -d -m 755 "$pkgdir/boot"',
      `  head -c ${size(FULL.vmlinuz)} /dev/urandom >"$pkgdir/boot/${files[0]}"`,
      `  head -c ${size(FULL.initramfs)} /dev/urandom >"$pkgdir/boot/${files[1]}"`,
      `  head -c ${size(FULL.fallback)} /dev/urandom >"$pkgdir/boot/${files[2]}"`,
      '  chmod 644 "$pkgdir"/boot/*',
      '}',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const built = await asBuilder('makepkg', ['--nodeps', '--noconfirm', '--force'], {
    cwd: dir,
    home: dir,
    env: {
      PKGDEST: dir,
      PKGEXT: '.pkg.tar',
      BUILDDIR: join(dir, 'build'),
      SOURCE_DATE_EPOCH: String(1_700_000_000 + version * 86_400),
    },
  });
  if (built.exitCode !== 0) throw new Error(`makepkg failed: ${built.all}`);
  return join(dir, `${KERNEL}-${version}-1-any.pkg.tar`);
}

const { t, close } = scope();
try {
  // Full size: room for the whole kernel set twice over (old + new during the delayed update);
  // a harness without the espMiB option gives 32 MiB ESPs and the kernel is scaled down below.
  const m = await pacmanMachine(t, { espMiB: smoke ? 32 : 400 });
  const [efi0, efi1] = m.efi as [string, string];
  const must = async (file: string, args: string[], env: Record<string, string> = {}) => {
    const r = await m.ns.run(file, args, env);
    if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.exitCode}): ${r.all}`);
    return String(r.stdout);
  };
  // Scale the kernel to the ESPs the harness makes: the other ESP must hold the old and the new
  // files at once (rsync --delay-updates), so the set may take at most ~40 % of the free space.
  const avail = Number((await must('df', ['-B1', '--output=avail', efi1])).split('\n')[1]);
  const scale = Math.min(1, (0.4 * avail) / FULL_BYTES);
  const upgradeBytes = Math.round(FULL_BYTES * scale);
  const packages = [await buildKernelPackage(t, 1, scale), await buildKernelPackage(t, 2, scale)];

  // Disabling the dualroot hooks for the baseline: a /dev/null symlink of the same name in the
  // configured HookDir (it outranks the system hook directory), as alpm-hooks(5) describes.
  const hookDir = join(m.root, 'state', 'hooks');
  const hooks = ['10-dualroot-guard.hook', 'zzzz-dualroot-sync.hook'];
  /** Which dualroot hooks run: both, only the sync hook (guard disabled), or none (the baseline). */
  type Variant = 'both' | 'sync-only' | 'none';
  const setHooks = async (variant: Variant) => {
    for (const hook of hooks) {
      const enabled = variant === 'both' || (variant === 'sync-only' && hook.includes('sync'));
      if (enabled) await must('rm', ['-f', join(hookDir, hook)]);
      else await must('ln', ['-sf', '/dev/null', join(hookDir, hook)]);
    }
  };
  const inSync = async () => {
    const r = await m.ns.run('rsync', [
      '-rcn',
      '--modify-window=1',
      '--delete',
      '--itemize-changes',
      `${efi0}/`,
      `${efi1}/`,
    ]);
    return r.exitCode === 0 && String(r.stdout).trim() === '';
  };
  const espState = async () => {
    const state = JSON.parse((await m.read(join(m.runDir, 'sync-state.json'))) ?? '{}');
    return state.items?.esp?.destinations?.[efi1] as
      | { time: string; seconds: number; ok: boolean }
      | undefined;
  };

  let installed = 0;
  const install = async (variant: Variant) => {
    await setHooks(variant);
    const version = installed === 1 ? 2 : 1; // 1 → 2 → 1 → ...: every run replaces the files
    const startedEpoch = Date.now();
    const started = performance.now();
    const r = await m.pacman(['-U', packages[version - 1]!]);
    const elapsed = performance.now() - started;
    const returnedEpoch = Date.now();
    if (r.exitCode !== 0) throw new Error(`pacman -U failed (${r.exitCode}): ${r.all}`);
    installed = version;
    return { elapsed, startedEpoch, returnedEpoch, output: String(r.all) };
  };

  await install('both'); // version 1, both ESPs in sync: the starting point
  if (!(await inSync())) throw new Error('the first install did not leave the ESPs in sync');

  const times: Record<Variant, number[]> = { both: [], 'sync-only': [], none: [] };
  const variants: Variant[] = ['both', 'none', 'sync-only'];
  const windows: number[] = [];
  const syncSeconds: number[] = [];
  let matched = 0;
  let staleWithout = 0;
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(i + k) % variants.length]!; // the order rotates every round
      const run = await install(variant);
      const synced = await inSync(); // right after pacman returned: is every ESP identical?
      times[variant].push(run.elapsed);
      if (variant !== 'none') {
        if (!/Syncing the booted ESP/.test(run.output))
          throw new Error(`the sync hook did not run:\n${run.output}`);
        const dest = await espState();
        const doneAt = dest ? Date.parse(dest.time) : Number.NaN;
        if (!dest?.ok || !(doneAt >= run.startedEpoch))
          throw new Error(`no successful sync recorded: ${JSON.stringify(dest)}`);
        if (variant === 'both') {
          windows.push(doneAt - run.startedEpoch);
          syncSeconds.push(dest.seconds * 1000);
          if (synced && doneAt <= run.returnedEpoch) matched++;
        }
      } else {
        if (!synced) staleWithout++;
        // Untimed: back in sync for the next run. Exit 3 (degraded) is expected when other users'
        // loop devices with ESP partitions are visible on this host; what counts is the check.
        const resync = await m.ns.run('dualroot-sync', [], m.env);
        if (![0, 3].includes(resync.exitCode ?? -1) || !(await inSync())) {
          throw new Error(`resync after the baseline run failed (${resync.exitCode}): ${resync.all}`);
        }
      }
    }
  }

  const on = median(times.both);
  const off = median(times.none);
  const syncOnly = median(times['sync-only']);
  const share = (on - off) / on;
  const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
  const rows: Row[] = [
    {
      figure: `kernel upgrade transaction (\`pacman -U\`, ${(upgradeBytes / MiB).toFixed(1)} MiB on /boot): with both dualroot hooks vs without (hooks' share ${pct(share)}: sync hook ${pct((syncOnly - off) / on)}, guard ${pct((on - syncOnly) / on)})`,
      dualroot: on,
      baseline: off,
      goal: { text: "report the hooks' share" },
      runs: rounds,
    },
    {
      figure:
        'kernel upgrade transaction: with the sync hook only (guard disabled) vs without dualroot hooks',
      dualroot: syncOnly,
      baseline: off,
      goal: { text: 'for information' },
      runs: rounds,
    },
    {
      figure: `upgrade-to-safe window: pacman start → every ESP flushed (vs pacman's exit); every ESP identical at pacman's exit in ${matched}/${rounds} runs`,
      dualroot: median(windows),
      baseline: on,
      goal: { text: 'zero staleness at pacman exit', met: matched === rounds },
      runs: rounds,
    },
  ];

  await publish({
    name: 'window',
    title: 'Upgrade-to-safe window (real pacman transaction)',
    date: new Date().toISOString(),
    machine: machine(),
    command: commandLine('bench/window.ts'),
    notes: [
      `pacman ${(await must('pacman', ['-V'])).match(/Pacman v[\d.]+/)?.[0] ?? '?'} with root "/" in a private mount namespace (test/helpers/pacman-harness.ts), dualroot installed by packaging/install.sh, /boot bound to the booted ESP, two ${(avail / MiB).toFixed(0)} MiB-free ext4 ESPs on loop devices.`,
      `The transaction: \`pacman -U\` of a fake kernel package (uncompressed .pkg.tar, random contents) whose files are /boot/${files.join(', /boot/')}, alternately version 1 and 2 so every run replaces all three; ${(upgradeBytes / MiB).toFixed(1)} MiB in all (${scale < 1 ? `the realistic ${(FULL_BYTES / MiB).toFixed(0)} MiB scaled by ${scale.toFixed(3)} to fit the ESPs` : 'the sizes of an Arch linux kernel, as in the sync-cost benchmark'}). A real upgrade also runs mkinitcpio (seconds), which would make the hooks' share much smaller.`,
      `Baseline: the same transaction with both dualroot hooks (PreTransaction guard, PostTransaction sync) disabled by /dev/null symlinks in the HookDir, and with only the guard disabled (to split the hooks' share); the three variants alternate, order rotating each round, ${rounds} runs each; medians; warm cache. Without the hooks the other ESP was stale after ${staleWithout}/${rounds} transactions (until something else syncs it).`,
      `Window end = the sync-state.json time of the other ESP (written after rsync and syncfs); median rsync + syncfs part of the hook: ${median(syncSeconds).toFixed(0)} ms. "Identical at exit": \`rsync -rcn --modify-window=1 --delete\` between the ESPs finds no difference right after pacman returns, and the flush was recorded before it returned.`,
    ],
    rows,
    samples: { ...times, windows, syncSeconds },
  });
} finally {
  await close();
}
