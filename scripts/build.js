// Builds one self-contained ncc bundle per program into dist/<program>/index.js.
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';

const programs = readdirSync('src/bin')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
for (const program of programs) {
  const out = `dist/${program}`;
  const result = spawnSync(
    'npx',
    ['ncc', 'build', `src/bin/${program}.ts`, '-o', out, '--minify', '--quiet', '--target', 'es2022'],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    // A missing npx is an error, not a status: say which.
    console.error(`build: ncc failed for ${program}${result.error ? `: ${result.error.message}` : ''}`);
    process.exit(1);
  }
  // ncc emits ESM; the bundle directory needs its own package.json so node loads it as a module.
  writeFileSync(`${out}/package.json`, '{"type":"module"}\n');
  chmodSync(`${out}/index.js`, 0o755);
  console.log(`built ${out}/index.js`);
}
