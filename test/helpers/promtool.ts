// Runs Debian's promtool (package prometheus) and turns real dualroot-status metrics files into
// promtool's rule-test input: series that hold each state for some minutes, as node_exporter's
// textfile collector would export them, and the alerts expected with their rendered annotations.
import { execa } from 'execa';

/** What promtool printed and its exit code. */
export interface PromtoolResult {
  code: number;
  output: string;
}

/** Runs promtool; a missing promtool is a set-up error naming the package, never a skip. */
export async function promtool(args: string[], input?: string): Promise<PromtoolResult> {
  const result = await execa('promtool', args, { reject: false, all: true, ...(input ? { input } : {}) });
  if (result.failed && result.exitCode === undefined)
    throw new Error('promtool is missing: run scripts/setup.sh (Debian package prometheus)');
  return { code: result.exitCode ?? 1, output: result.all ?? '' };
}

/** One sample of a textfile: metric name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const unescapeLabel = (v: string) => v.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** The samples of a Prometheus text-format file (comments skipped). */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = unescapeLabel(l[2]!);
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

const selector = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;

/** A stretch of time during which one metrics file is what node_exporter exports. */
export interface Phase {
  samples: Sample[];
  minutes: number;
}

/**
 * promtool input_series (one sample a minute) for files exported one after the other, with the
 * scrape's labels added. The status timestamp follows the clock (a run each minute) unless
 * `frozen`: then it keeps its first value, as a file no run updates any more.
 */
export function inputSeries(phases: Phase[], scrape: Record<string, string>, frozen = false) {
  const keys = new Map<string, string[]>();
  let minute = 0;
  for (const { samples, minutes } of phases) {
    const present = new Set<string>();
    for (const s of samples) {
      const key = selector(s.name, { ...s.labels, ...scrape });
      present.add(key);
      // promtool: "_xN" is N missing samples, "vxN" is N+1 samples of v.
      if (!keys.has(key)) keys.set(key, minute === 0 ? [] : [`_x${minute}`]);
      const values =
        s.name === 'dualroot_status_timestamp_seconds'
          ? frozen
            ? `0x${minutes - 1}`
            : `${minute * 60}+60x${minutes - 1}`
          : `${s.value}x${minutes - 1}`;
      keys.get(key)!.push(values);
    }
    // A series gone from this phase's file: node_exporter stops exporting it (a stale marker).
    for (const [key, values] of keys)
      if (!present.has(key)) {
        const gone = /(^|\s)(_x\d+|stale)$/.test(values.at(-1) ?? '');
        values.push(gone ? `_x${minutes}` : minutes > 1 ? `stale _x${minutes - 1}` : 'stale');
      }
    minute += minutes;
  }
  return [...keys].map(([series, values]) => ({ series, values: values.join(' ') }));
}

/** An alerting rule as the rules file declares it. */
export interface AlertRule {
  alert: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The alert a rule raises for a series with these labels: its labels and its annotations rendered. */
export function expectedAlert(rule: AlertRule, seriesLabels: Record<string, string>) {
  const render = (text: string) =>
    text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, label: string) => seriesLabels[label] ?? '');
  return {
    exp_labels: { ...seriesLabels, ...rule.labels },
    exp_annotations: Object.fromEntries(
      Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, render(v)]),
    ),
  };
}
