// Per-layer coverage floors on top of tap's global thresholds (package.json "tap"): the decisions in
// src/core must stay well tested even when system glue elsewhere is harder to reach.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const FLOORS = { 'src/core/': { lines: 95, branches: 85, functions: 95 } };

const report = spawnSync('npx', ['tap', 'report', 'json-summary', '--allow-incomplete-coverage'], {
  encoding: 'utf8',
});
if (report.status !== 0) {
  console.error(`check-coverage: tap report failed:\n${report.stderr}`);
  process.exit(1);
}
const summary = JSON.parse(readFileSync('.tap/report/coverage-summary.json', 'utf8'));
let failed = false;
for (const [prefix, floors] of Object.entries(FLOORS)) {
  const totals = { lines: [0, 0], branches: [0, 0], functions: [0, 0] };
  for (const [file, data] of Object.entries(summary)) {
    if (file === 'total' || !relative(process.cwd(), file).startsWith(prefix)) continue;
    for (const key of Object.keys(totals)) {
      totals[key][0] += data[key].covered;
      totals[key][1] += data[key].total;
    }
  }
  for (const [key, [covered, total]] of Object.entries(totals)) {
    const pct = total === 0 ? 100 : (100 * covered) / total;
    const ok = pct >= floors[key];
    failed ||= !ok;
    console.log(
      `coverage ${prefix} ${key}: ${pct.toFixed(1)}% (floor ${floors[key]}%) ${ok ? 'ok' : 'TOO LOW'}`,
    );
  }
}
process.exit(failed ? 1 : 0);
