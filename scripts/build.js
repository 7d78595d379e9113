// Builds one self-contained ncc bundle per program into dist/<program>/index.js, then asks each
// bundle for its shell completions (made from the same yargs parser as its --help) into
// dist/completions/{bash,zsh,fish}/ under the names those shells look for.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';

/** Where each shell's script goes under dist/completions, named as bash-completion, zsh and fish look for it. */
const COMPLETIONS = {
  bash: (program) => `bash/${program}`,
  zsh: (program) => `zsh/_${program}`,
  fish: (program) => `fish/${program}.fish`,
};

// `node scripts/build.js dualroot-sync` builds only the programs named.
const only = process.argv.slice(2);
const programs = readdirSync('src/bin')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .filter((p) => only.length === 0 || only.includes(p));
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
  for (const [shell, name] of Object.entries(COMPLETIONS)) {
    const file = `dist/completions/${name(program)}`;
    mkdirSync(file.slice(0, file.lastIndexOf('/')), { recursive: true });
    writeFileSync(file, execFileSync(process.execPath, [`${out}/index.js`, 'completion', shell]));
  }
  console.log(`built dist/completions/*/${program}`);
}
