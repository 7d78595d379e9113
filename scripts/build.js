// Builds one self-contained ncc bundle per program into dist/<program>/index.js, then asks each
// bundle for its shell completions (made from the same yargs parser as its --help) into
// dist/completions/{bash,zsh,fish}/ under the names those shells look for.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** What the bundles are made from; a full build records its hash in dist/.inputs. */
const INPUTS = ['src', 'scripts/build.js', 'package-lock.json', 'tsconfig.json'];
const STAMP = 'dist/.inputs';

/** sha256 over the inputs' paths and contents, in a fixed order. */
function inputsHash() {
  const hash = createHash('sha256');
  const walk = (path) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
    else hash.update(`${path}\0`).update(readFileSync(path));
  };
  for (const input of INPUTS) walk(input);
  return hash.digest('hex');
}

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
// Each lab test file builds before it boots (the guests run dist/): after npm test's own build,
// theirs find the inputs unchanged and skip the two minutes of ncc.
const hash = inputsHash();
const built = programs.every((p) => existsSync(`dist/${p}/index.js`));
if (only.length === 0 && built && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === hash) {
  console.log(`dist/ is current (${INPUTS.join(', ')} unchanged since its build): nothing to build`);
  process.exit(0);
}
// A build that stops half-way must not leave a stamp saying dist/ is what the inputs make.
rmSync(STAMP, { force: true });
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
if (only.length === 0) writeFileSync(STAMP, `${hash}\n`);
