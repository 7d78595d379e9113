// dualroot-watch's benchmark figures: the result record (bench/results/watch.json) and its Markdown table.

import { percentile } from './proc-stats.js';
import { commandLine, machine } from './report.js';

/** What bench/watch.ts measured, raw. */
export interface WatchMeasured {
  smoke: boolean;
  flags: string[];
  espBytes: number;
  etcFiles: number;
  burstFiles: number;
  clkTck: number;
  startupMs: number;
  idleSeconds: number;
  idleCpu: number;
  before: { self: number; children: number };
  after: { self: number; children: number };
  rssIdle: number;
  anonIdle: number;
  fileIdle: number;
  latencies: number[];
  bursts: { syncs: number; seconds: number }[];
  rssEnd: number;
  rssPeak: number;
  code: number | null;
}

/** The result record and the Markdown section of one run. */
export function watchReport(m: WatchMeasured): { result: Record<string, unknown>; md: string } {
  const { smoke: SMOKE, flags, espBytes, etcFiles: ETC_FILES, burstFiles: BURST_FILES, clkTck } = m;
  const { startupMs, idleSeconds, idleCpu, before, after, rssIdle, anonIdle, fileIdle } = m;
  const { latencies, bursts, rssEnd, rssPeak, code } = m;
  const idleChildren = after.children - before.children;
  const result = {
    name: 'watch',
    title: 'dualroot-watch: idle cost, memory, change-to-copy latency, syncs per burst',
    date: new Date().toISOString(),
    machine: machine(),
    command: commandLine('bench/watch.ts'),
    smoke: SMOKE,
    nodeFlags: flags.join(' '),
    trees: { espMiB: +(espBytes / 2 ** 20).toFixed(1), espFiles: 13, etcFiles: ETC_FILES },
    startupToFirstSyncs: +(startupMs / 1000).toFixed(2),
    idle: {
      seconds: +idleSeconds.toFixed(1),
      cpuPercentOfOneCore: +idleCpu.toFixed(4),
      ticks: after.self - before.self,
      childTicks: idleChildren,
      rssMiB: +(rssIdle / 1024).toFixed(1),
      /** Private memory; the rest is file-backed (mostly the node binary, shared by every node process). */
      rssAnonMiB: +(anonIdle / 1024).toFixed(1),
      rssFileMiB: +(fileIdle / 1024).toFixed(1),
    },
    latency: {
      trials: latencies.length,
      p50: +percentile(latencies, 50).toFixed(3),
      p90: +percentile(latencies, 90).toFixed(3),
      max: +Math.max(...latencies).toFixed(3),
    },
    bursts: bursts.map((b) => ({ syncs: b.syncs, seconds: +b.seconds.toFixed(2) })),
    rss: { endMiB: +(rssEnd / 1024).toFixed(1), peakMiB: +(rssPeak / 1024).toFixed(1) },
    exitCode: code,
    samples: { latencySeconds: latencies },
  };
  const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
  const rows: [string, string, string, string][] = [
    [
      `idle CPU over ${result.idle.seconds} s (utime+stime, /proc/PID/stat)`,
      `${idleCpu.toFixed(3)} % of one core (${result.idle.ticks} ticks of ${1000 / clkTck} ms)`,
      '< 0.1 %',
      yes(idleCpu < 0.1),
    ],
    [
      'resident memory after idle (VmRSS)',
      `${result.idle.rssMiB} MiB = ${((rssIdle * 1024) / 1e6).toFixed(1)} MB (private RssAnon ${result.idle.rssAnonMiB} MiB, file-backed ${result.idle.rssFileMiB} MiB)`,
      '< 64 MB (64,000,000 bytes)',
      yes(rssIdle * 1024 < 64e6),
    ],
    [
      'resident memory after the bursts / peak (VmHWM)',
      `${result.rss.endMiB} / ${result.rss.peakMiB} MiB`,
      'for information',
      '—',
    ],
    [
      `change → other ESP identical, p50 / p90 / max of ${latencies.length}`,
      `${result.latency.p50.toFixed(3)} / ${result.latency.p90.toFixed(3)} / ${result.latency.max.toFixed(3)} s`,
      'p50 < delay + 0.5 s = 2.5 s',
      yes(result.latency.p50 < 2.5),
    ],
    [
      `syncs per burst of ${BURST_FILES} files (${bursts.length} bursts)`,
      bursts.map((b) => b.syncs).join(', '),
      '≤ 2',
      yes(bursts.every((b) => b.syncs <= 2)),
    ],
    [
      'burst start → copy complete',
      bursts.map((b) => `${b.seconds.toFixed(2)} s`).join(', '),
      'for information',
      '—',
    ],
    ['start → first sync of both items done', `${result.startupToFirstSyncs} s`, 'for information', '—'],
    ['exit code after SIGTERM', String(code), '0', yes(code === 0)],
  ];
  const md = [
    `### ${result.title}${SMOKE ? ' (smoke run: shortened, figures not meaningful)' : ''}`,
    '',
    `Measured ${result.date} on: ${result.machine}.`,
    `Command: \`${result.command}\`${flags.length ? ` with the daemon started as \`node ${flags.join(' ')}\`` : ''}.`,
    '',
    `- Trees: ESP ${result.trees.espMiB} MiB in ${result.trees.espFiles} files; /etc-like item ${ETC_FILES} files in 300 directories. Default settings: delay 2 s, max_delay 30 s, nice 15, idle I/O.`,
    '',
    '| figure | dualroot-watch | goal | met |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n');
  return { result, md };
}
