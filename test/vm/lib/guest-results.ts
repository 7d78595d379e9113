// What the guest printed for one `run NAME ...` step, read with the failure named when it is missing.
import type { Test } from 'tap';
import type { Boot } from './lab.js';

/** A guest `run` result, failing the test with the log's name when it is missing. */
export function run(t: Test, boot: Boot, name: string) {
  const r = boot.runs.get(name);
  if (!r) {
    t.fail(`the guest printed no result for "${name}" (log ${boot.logFile})`);
    return { exit: -1, stdout: '', stderr: '' };
  }
  return r;
}

/** Parsed JSON stdout of a guest run. */
export function json(t: Test, boot: Boot, name: string) {
  const r = run(t, boot, name);
  try {
    return JSON.parse(r.stdout);
  } catch {
    t.fail(`${name} printed no JSON: ${r.stdout}${r.stderr}`);
    return {};
  }
}
