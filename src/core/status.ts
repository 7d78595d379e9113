/** How a check came out. */
export type Level = 'ok' | 'warning' | 'problem';

/** One health check: what was checked, how it came out, and the fix. */
export interface Check {
  /** Group: esps, booted, bind, sync, last-sync, entries, fstab, root. */
  check: string;
  /** What it is about (a mount point, a destination, an ESP...). */
  subject: string;
  level: Level;
  message: string;
  fix?: string;
}

/** A numeric fact for Prometheus, with labels. */
export interface Metric {
  name: string;
  help: string;
  labels: Record<string, string>;
  value: number;
}

/** Exit code of a status run: 3 when anything is a problem (redundancy lost), else 0. */
export function statusExitCode(checks: Check[]): 0 | 3 {
  return checks.some((c) => c.level === 'problem') ? 3 : 0;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** node_exporter textfile format: HELP and TYPE once per metric name, gauges only. */
export function formatPrometheus(metrics: Metric[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const m of [...metrics].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!seen.has(m.name)) {
      seen.add(m.name);
      lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} gauge`);
    }
    const labels = Object.entries(m.labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    lines.push(`${m.name}${labels ? `{${labels}}` : ''} ${m.value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The metrics every status run exports, derived from its checks. */
export function statusMetrics(checks: Check[], now: Date): Metric[] {
  const level = { ok: 0, warning: 1, problem: 2 } as const;
  const metrics: Metric[] = checks.map((c) => ({
    name: 'dualroot_check_status',
    help: 'Result of each dualroot-status check: 0 ok, 1 warning, 2 problem.',
    labels: { check: c.check, subject: c.subject },
    value: level[c.level],
  }));
  metrics.push({
    name: 'dualroot_degraded',
    help: '1 when this machine lost redundancy (any problem), else 0.',
    labels: {},
    value: statusExitCode(checks) === 3 ? 1 : 0,
  });
  metrics.push({
    name: 'dualroot_status_timestamp_seconds',
    help: 'When dualroot-status last ran.',
    labels: {},
    value: Math.floor(now.getTime() / 1000),
  });
  return metrics;
}

/** The checks and metrics of one status run, collected in the order they are made. */
export class StatusReport {
  readonly checks: Check[] = [];
  readonly metrics: Metric[] = [];
  add(check: string, subject: string, level: Level, message: string, fix?: string): void {
    this.checks.push({ check, subject, level, message, ...(fix && level !== 'ok' ? { fix } : {}) });
  }
  metric(name: string, help: string, labels: Record<string, string>, value: number): void {
    this.metrics.push({ name, help, labels, value });
  }
  /** A check that could not be made (a tool missing, a file vanishing mid-read) is a problem of that check. */
  couldNotCheck(check: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.add(
      check,
      '',
      'problem',
      `could not check ${check}: ${message.split('\n')[0]}`,
      'fix the cause named above, then run dualroot-status again',
    );
  }
}
