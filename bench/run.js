#!/usr/bin/env node
// `npm run bench`: builds the programs, then runs every benchmark in bench/ (each top-level *.ts,
// *.js, *.mjs or *.sh file except this one and names starting with "_"), one after another, each in
// a private mount namespace (they mount loop devices), and prints their results tables.
// BENCH_SMOKE=1 runs the short version CI uses; BENCH_ONLY=name,name runs only those benchmarks
// (file names without extension); BENCH_SKIP_BUILD=1 uses the existing dist/; BENCH_UPDATE_DOCS=1
// copies each result (bench/results/<name>.md) into docs/benchmarks.md between its markers
// <!-- bench:<name> --> and <!-- /bench:<name> --> (everything else in that file is left alone).
// A benchmark that crashes makes the run fail; a missed goal does not (benchmarks are not tests).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

const dir = 'bench';
const runners = {
  '.ts': [process.execPath, '--import=@tapjs/typescript/import'],
  '.js': [process.execPath],
  '.mjs': [process.execPath],
  '.sh': ['bash'],
};
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());

const benchmarks = readdirSync(dir)
  .filter((f) => extname(f) in runners && !f.startsWith('_') && !f.endsWith('.d.ts'))
  .filter((f) => f !== basename(import.meta.filename) && statSync(join(dir, f)).isFile())
  .filter((f) => !only || only.includes(basename(f, extname(f))))
  .sort();

if (process.getuid?.() !== 0) {
  console.error('bench: needs root (loop devices, mounts, pacman); run it as root, e.g. sudo npm run bench');
  process.exit(2);
}

if (process.env.BENCH_SKIP_BUILD !== '1') {
  const build = spawnSync(process.execPath, ['scripts/build.js'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(1);
}

// What the results say they were produced by: the BENCH_* settings and how the runner was started.
const settings = Object.entries(process.env)
  .filter(([k]) => k.startsWith('BENCH_') && k !== 'BENCH_COMMAND')
  .sort()
  .map(([k, v]) => `${k}=${v} `)
  .join('');
const invoked = process.env.npm_lifecycle_event
  ? `npm run ${process.env.npm_lifecycle_event}`
  : 'node bench/run.js';
const command = `${settings}${invoked}`;

const failed = [];
for (const file of benchmarks) {
  const started = Date.now();
  console.log(`\n== bench/${file}${process.env.BENCH_SMOKE === '1' ? ' (smoke)' : ''}`);
  const result = spawnSync(
    'unshare',
    ['--mount', '--propagation', 'private', ...runners[extname(file)], join(dir, file)],
    // Type checking is `npm run typecheck`'s job; here the TypeScript loader only transpiles.
    { stdio: 'inherit', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', BENCH_COMMAND: command } },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    failed.push(file);
    console.log(`== bench/${file} FAILED (exit ${result.status ?? result.signal}) after ${seconds} s`);
  } else {
    console.log(`== bench/${file} done in ${seconds} s`);
  }
}
const resultsDir = process.env.BENCH_RESULTS ?? 'bench/results';
console.log(`\nResults (Markdown and JSON): ${resultsDir}/`);
if (process.env.BENCH_UPDATE_DOCS === '1') {
  if (process.env.BENCH_SMOKE === '1')
    console.log('BENCH_UPDATE_DOCS ignored: smoke figures are not meaningful');
  else updateDocs('docs/benchmarks.md');
}

if (failed.length) {
  console.log(`Failed: ${failed.join(', ')}`);
  process.exit(1);
}

/** Replaces each benchmark's marked section of the docs with its latest Markdown result. */
function updateDocs(file) {
  let text = readFileSync(file, 'utf8');
  for (const bench of benchmarks) {
    const name = basename(bench, extname(bench));
    const result = join(resultsDir, `${name}.md`);
    const start = `<!-- bench:${name} -->`;
    const end = `<!-- /bench:${name} -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (!existsSync(result) || from < 0 || to < from) continue;
    const body = readFileSync(result, 'utf8')
      .replace(/^### [^\n]*\n/, '')
      .trim();
    text = `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
    console.log(`${file}: updated the ${name} section`);
  }
  writeFileSync(file, text);
}
