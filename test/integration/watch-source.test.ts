// The daemon, by itself, must not wipe the copy when an item's source filesystem goes away: the
// unmounted /srv is an empty directory on the filesystem below, and the plan calls it degraded.
import { appendFileSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import t from 'tap';
import { itemDisk } from '../helpers/item-disk.js';
import { twoDiskMachine } from '../helpers/sim.js';
import { snapshot, writeTree } from '../helpers/tree.js';
import { sleep, startInProcess, waitFor } from '../helpers/watch.js';

t.test('the daemon: an unmounted item source is degraded, never copied over its copy', async (t) => {
  const m = await twoDiskMachine(t);
  const { disk, source: srv, copy } = await itemDisk(t, m, ['srv', 'root1']);
  appendFileSync(m.fstab, `PARTUUID=${disk.parts[0]!.partUuid} ${srv} ext4 nofail 0 2\n`);
  writeTree(srv, { 'www/index.html': 'hi', 'data/db': 'rows' });
  writeFileSync(m.config, `[esp]\nsync = false\n[sync:srv]\nsource = ${srv}\ndestinations = ${copy}\n`);
  const d = await startInProcess(t, m.env);
  await waitFor(() => d.syncs('srv') >= 1, 30000, 'the first sync');
  const good = snapshot(copy);
  t.match(good, { 'www/index.html': String, 'data/db': String });
  await execa('umount', [srv]);
  // The unmount changes the watched directory: the daemon looks again and syncs what it now sees.
  await waitFor(
    () => /srv: .*skipped: source .*srv is not on its filesystem/.test(d.stderr.join('\n')),
    30000,
    'the degraded source to be logged',
  );
  await sleep(500);
  t.same(snapshot(copy), good, 'the copy is intact');
  t.notMatch(d.stdout.join('\n'), /deleted/, 'nothing was deleted');
  await d.stop();
});
