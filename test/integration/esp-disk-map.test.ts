// dualroot-esp on two loop disks (ESP + ext4 root each): the disk map of the copies that cross to
// the other disk, with the partitions' real identifiers from blkid, in text and JSON.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as esp } from '../../src/cli/esp.js';
import { approach2 } from '../helpers/approach2.js';
import { runProgram } from '../helpers/sim.js';

const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(esp, 'dualroot-esp', argv, env);
const tag = async (tagName: string, device: string) =>
  (await execa('blkid', ['-p', '-s', tagName, '-o', 'value', device])).stdout.trim();
const diskOf = async (device: string) =>
  `/dev/${(await execa('lsblk', ['-no', 'PKNAME', device])).stdout.trim()}`;

t.test('the map of disk 0 → disk 1 used by the ESP copy and [sync:etc], in text and JSON', async (t) => {
  const m = await approach2(t);
  const [esp0, esp1, root0, root1] = await Promise.all(
    ['efi0', 'efi1', 'root0', 'root1'].map(async (name) => {
      const dir = m[name as 'efi0'];
      const device = (await execa('findmnt', ['-no', 'SOURCE', dir])).stdout.trim();
      return { device, uuid: await tag('UUID', device), partuuid: await tag('PART_ENTRY_UUID', device) };
    }),
  );
  const [disk0, disk1] = await Promise.all([diskOf(esp0!.device), diskOf(esp1!.device)]);
  const text = await run(m.env);
  t.equal(text.code, 0, text.stderr);
  t.match(
    text.stdout,
    `disk map ${disk0} → ${disk1}, used by esp (${m.efi0} → ${m.efi1}), etc (${join(m.root0, 'etc')} → ${join(m.root1, 'etc')}):\n` +
      `  partition 1 → partition 1 (${esp0!.device} → ${esp1!.device}), paired by partition number and type c12a7328-f81f-11d2-ba4b-00a0c93ec93b\n` +
      `    PARTUUID   ${esp0!.partuuid} → ${esp1!.partuuid}\n` +
      `    UUID       ${esp0!.uuid} → ${esp1!.uuid}\n` +
      `  partition 2 → partition 2 (${root0!.device} → ${root1!.device}), paired by partition number and type 0fc63daf-8483-4772-8e79-3d69d8477de4\n` +
      `    PARTUUID   ${root0!.partuuid} → ${root1!.partuuid}\n` +
      `    UUID       ${root0!.uuid} → ${root1!.uuid}`,
  );
  t.equal(m.ids.root0, root0!.uuid, 'the same UUID the loader entry names');

  const json = JSON.parse((await run(m.env, '--json')).stdout);
  t.match(json.diskMaps, [
    {
      sourceDisk: disk0,
      destinationDisk: disk1,
      destinations: [
        { item: 'esp', source: m.efi0, destination: m.efi1 },
        { item: 'etc', source: join(m.root0, 'etc'), destination: join(m.root1, 'etc') },
      ],
      pairs: [
        { by: 'position', source: { device: esp0!.device, partuuid: esp0!.partuuid, uuid: esp0!.uuid } },
        {
          by: 'position',
          source: { device: root0!.device, uuid: root0!.uuid, uuidOf: 'filesystem', fstype: 'ext4' },
          destination: { device: root1!.device, partuuid: root1!.partuuid, uuid: root1!.uuid },
        },
      ],
      unpaired: [],
    },
  ]);
  t.equal(json.diskMaps.length, 1);
});

t.test('a partition of disk 0 with no counterpart on disk 1 is listed with the reason', async (t) => {
  const m = await approach2(t, 1);
  const text = await run(m.env);
  t.equal(text.code, 0, text.stderr);
  t.match(
    text.stdout,
    /^ {2}\/dev\/loop\d+p3 \(partition 3 of \/dev\/loop\d+\): no counterpart, \/dev\/loop\d+ has no partition 3; a file naming it is not copied$/m,
  );
  const json = JSON.parse((await run(m.env, '--json')).stdout);
  t.match(json.diskMaps[0].unpaired, [{ partition: 3, uuid: m.ids.extra, reason: /has no partition 3/ }]);
});

t.test('no copy to another disk: no map; a broken config: the ESPs still listed, the map not', async (t) => {
  const m = await approach2(t);
  const config = m.env.DUALROOT_CONFIG;
  writeFileSync(
    config,
    `[esp]\nsync = no\n[sync:etc]\nsource = ${join(m.root0, 'etc')}\ndestinations = ${join(m.root0, 'etc-copy')}\n`,
  );
  const none = await run(m.env);
  t.equal(none.code, 0, none.stderr);
  t.match(none.stdout, /^disk maps: none \(no destination is on another disk than its source\)$/m);
  t.same(JSON.parse((await run(m.env, '--json')).stdout).diskMaps, []);

  writeFileSync(config, '[sync:etc]\nsource = relative/path\n');
  const broken = await run(m.env);
  t.equal(broken.code, 0, 'the ESP listing does not depend on the config');
  t.match(broken.stdout, /ESPs \(2\):/);
  t.match(broken.stdout, new RegExp(`^disk maps not shown: .*${config}`, 'm'));
  const json = JSON.parse((await run(m.env, '--json')).stdout);
  t.equal(json.diskMaps, null);
  t.match(json.diskMapsError, { message: config });
});
