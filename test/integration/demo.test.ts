// scripts/demo.sh end to end (what `npm run demo` runs after the set-up and the build): the
// simulated machine is healthy by dualroot-status, then after the disk loss it is degraded, says
// what is wrong and what to do, and its metrics say so.
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { ensureBuilt, repo } from '../helpers/packaging-install.js';

t.before(ensureBuilt);

t.test('the demo shows dualroot-status healthy, then degraded after the disk loss', async (t) => {
  const r = await execa('bash', [join(repo, 'scripts/demo.sh')], { reject: false, all: true });
  t.equal(r.exitCode, 0, String(r.all).slice(-3000));
  // Without colours: the step titles and commands are printed with ANSI escapes.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what starts an ANSI colour
  const out = String(r.all).replace(/\x1b\[[0-9;]*m/g, '');
  const healthy = out.slice(out.indexOf('### 6.'), out.indexOf('### 7.'));
  t.match(healthy, /^\$ status$/m);
  t.match(healthy, /^healthy: this machine can boot from either disk$/m);
  t.match(healthy, /^\(exit 0\)$/m);
  t.notMatch(healthy, /^(problem|warning) /m);
  const lost = out.slice(out.indexOf('### 8.'));
  t.match(lost, /^problem {2}esps {6}\S+\/efi1 is not mounted: its disk is missing or its ESP not mounted$/m);
  t.match(lost, /^ {19}fix: mount \S+\/efi1; if the disk died, replace it \(docs\/guide\.md\)$/m);
  t.match(lost, /^problem {2}esps {6}only 1 ESP present: no second disk to boot from$/m);
  t.match(lost, /^problem {2}sync {6}esp: /m);
  t.match(lost, /^DEGRADED: 3 problems: this machine may not boot if a disk dies$/m);
  t.match(lost, /^\(exit 3\)$/m);
  t.notMatch(lost, /^warning /m, 'the dead disk is gone, not an unmounted ESP');
  t.match(lost, /^dualroot_degraded 1$/m);
  t.match(lost, /^dualroot_esp_present\{mount="\S+\/efi1"\} 0$/m);
  t.notMatch(out, /UNEXPECTED/);
});
