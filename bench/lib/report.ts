// Shared pieces of every benchmark: statistics, the machine description and the results table
// (figure, dualroot, baseline, ratio, goal, met) that docs/benchmarks.md shows.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** True when the short CI version was asked for (BENCH_SMOKE=1). */
export const smoke = process.env.BENCH_SMOKE === '1';

/** The median of some numbers (mean of the middle two for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The command that produced a result: what bench/run.js was started with, or a direct run of the file. */
export function commandLine(file: string): string {
  const via = process.env.BENCH_COMMAND;
  return via ? `${via} (${file})` : `node --import=@tapjs/typescript/import ${file} (direct)`;
}

/** One row of a results table. Times are in milliseconds. */
export interface Row {
  figure: string;
  dualroot: number;
  baseline: number;
  /** How the goal is judged: a ratio limit (dualroot / baseline) or a limit on the difference in ms. */
  goal: { ratio: number; plusMs?: number } | { aboveMs: number } | { text: string; met?: boolean };
  runs: number;
}

export function goalText(goal: Row['goal']): string {
  if ('ratio' in goal) return `≤ ${goal.ratio.toFixed(2)}x${goal.plusMs ? ` + ${goal.plusMs} ms` : ''}`;
  if ('aboveMs' in goal) return `< ${goal.aboveMs} ms above`;
  return goal.text;
}

/** Whether a row met its goal; undefined for rows shown for information only. */
export function met(row: Row): boolean | undefined {
  const { goal } = row;
  if ('ratio' in goal) return row.dualroot <= row.baseline * goal.ratio + (goal.plusMs ?? 0);
  if ('aboveMs' in goal) return row.dualroot - row.baseline < goal.aboveMs;
  return goal.met;
}

const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v >= 100 ? 0 : 1)} ms`);

const metText = (m: boolean | undefined) => (m === undefined ? '—' : m ? 'yes' : '**no**');

/** A Markdown table of rows. */
export function table(rows: Row[]): string {
  const lines = [
    '| figure | dualroot | baseline | ratio | difference | goal | met |',
    '|---|--:|--:|--:|--:|---|---|',
  ];
  for (const r of rows) {
    const ratio = r.dualroot / r.baseline;
    const diff = r.dualroot - r.baseline;
    lines.push(
      `| ${r.figure} | ${ms(r.dualroot)} | ${ms(r.baseline)} | ${ratio.toFixed(2)}x | ${diff >= 0 ? '+' : '−'}${ms(Math.abs(diff))} | ${goalText(r.goal)} | ${metText(met(r))} |`,
    );
  }
  return lines.join('\n');
}

function tryRun(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '?';
  }
}

/** What the figures were measured on. */
export function machine(): string {
  let os = '?';
  try {
    os = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] ?? '?';
  } catch {}
  const cpu = cpus()[0]?.model ?? '?';
  const rsync =
    tryRun('rsync', ['--version'])
      .split('\n')[0]
      ?.replace(/\s+protocol.*/, '')
      .replace(/\s+/g, ' ') ?? '?';
  return [
    `${os}, kernel ${tryRun('uname', ['-r'])}`,
    `${cpus().length} × ${cpu}`,
    `${Math.round(totalmem() / 2 ** 30)} GiB RAM`,
    `node ${process.version}`,
    rsync,
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at the end (other work shares this machine)`,
  ].join('; ');
}

/** One benchmark's result, as written to bench/results/<name>.json and printed. */
export interface Result {
  name: string;
  title: string;
  date: string;
  machine: string;
  command: string;
  notes: string[];
  rows: Row[];
  /** Every sample, for whoever wants more than medians. */
  samples: Record<string, number[]>;
}

/** Prints a result as Markdown and writes it (JSON and Markdown) to the results directory. */
export async function publish(result: Result): Promise<void> {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = process.env.BENCH_RESULTS ?? 'bench/results';
  mkdirSync(dir, { recursive: true });
  const md = [
    `### ${result.title}${smoke ? ' (smoke run: sizes and run counts cut down, figures not meaningful)' : ''}`,
    '',
    `Measured ${result.date} on: ${result.machine}.`,
    `Command: \`${result.command}\`.`,
    '',
    ...result.notes.map((n) => `- ${n}`),
    ...(result.notes.length ? [''] : []),
    table(result.rows),
    '',
  ].join('\n');
  writeFileSync(join(dir, `${result.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, `${result.name}.md`), md);
  process.stdout.write(`\n${md}\n`);
}
