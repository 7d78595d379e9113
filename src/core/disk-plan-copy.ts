// Approach 2 by dualroot-disk add: the new disk gets its own root, a copy of the running one, kept in
// sync by [sync:NAME] items. The steps that make, mount and fill it, and the config they write.
import type { DiskFacts } from './disk-facts.js';
import type { WantedPartition } from './disk-layout.js';
import type { DiskStep } from './disk-plan.js';
import { FailureError } from './errors.js';
import { normalizeGuid } from './guid.js';
import type { RenderedSection } from './migrate-render.js';

/** Root filesystems dualroot-disk can make a copy of, and the mkfs that sets a chosen UUID. */
const MKFS: Record<string, (node: string, uuid: string) => string[]> = {
  ext4: (node, uuid) => ['mkfs.ext4', '-q', '-F', '-U', uuid, node],
  xfs: (node, uuid) => ['mkfs.xfs', '-q', '-f', '-m', `uuid=${uuid}`, node],
};

/** The mkfs program a plain root of this type needs, or undefined when dualroot-disk cannot copy it. */
export function mkfsTool(fsType: string): string | undefined {
  return MKFS[fsType] ? `mkfs.${fsType}` : undefined;
}

/** The running root's directories kept in sync on the copy (the predecessor's list; /var and /home are live data). */
export const SYNCED_DIRS = ['etc', 'usr', 'opt', 'srv', 'root'];

/** XBOOTLDR's partition type: a separate /boot the copy would need as an item too. */
const XBOOTLDR_TYPE = 'bc13c2ff-59e6-4262-a352-b275fd6f7172';

/** The options of the copy's fstab line: the other disk's root must never hold up a boot. */
export const SECOND_ROOT_OPTIONS = 'rw,nofail,x-systemd.device-timeout=10s';

/** The new disk's own root: where it is made, mounted and which items keep it in sync. */
export interface SecondRoot {
  node: string;
  fsType: string;
  uuid: string;
  mount: string;
  items: { name: string; source: string; destination: string }[];
}

const join = (dir: string, name: string) => `${dir.replace(/\/+$/, '')}/${name}`;

/** The second root of an add on a plain (not RAID) root, or undefined on a RAID root. */
export function secondRoot(
  facts: DiskFacts,
  root: WantedPartition,
  espNumber: number,
): SecondRoot | undefined {
  if (facts.root.kind !== 'other') return undefined;
  const { fsType, mount: running } = facts.root;
  if (facts.command === 'replace')
    throw new FailureError(
      `the root ${running} is ${fsType} on ${facts.root.source}, one root per disk (approach 2): dualroot-disk replace rebuilds a RAID1 root only; nothing was written`,
      "make the new disk a second root with dualroot-disk add DEVICE, after removing the dead disk's lines from fstab and its [sync:NAME] destinations from dualroot.conf",
    );
  if (!MKFS[fsType])
    throw new FailureError(
      `the root ${running} is ${fsType} on ${facts.root.source}: dualroot-disk add makes a second root of ext4 or xfs only (or joins a btrfs or md RAID1); nothing was written`,
      'set up the second root by hand as docs/guide.md "Approach 2" says',
    );
  const mount = join(join(running, 'mnt'), `root${espNumber}`);
  const line = facts.fstab.find((e) => e.target === mount);
  const named = line?.source.match(/^UUID=(.+)$/i)?.[1];
  const items = SYNCED_DIRS.filter((d) => facts.rootDirs.includes(d)).map((d) => ({
    name: d,
    source: join(running, d),
    destination: join(mount, d),
  }));
  const foreign = facts.syncItems.filter(
    (i) => !items.some((mine) => mine.name === i.name && i.destinations.join() === mine.destination),
  );
  if (foreign.length > 0)
    throw new FailureError(
      `${facts.configPath} already has [sync:NAME] items (${foreign.map((i) => `[sync:${i.name}] → ${i.destinations.join(', ')}`).join('; ')}): this machine has two roots already; nothing was written`,
      'to replace a dead second root, remove its items and fstab lines first, then run dualroot-disk add again',
    );
  return { node: root.node, fsType, uuid: normalizeGuid(named ?? facts.newRootUuid), mount, items };
}

/** The fstab line that mounts the second root on the running one. */
export function secondRootFstabLine(copy: SecondRoot): string {
  return `UUID=${copy.uuid}  ${copy.mount}  ${copy.fsType}  ${SECOND_ROOT_OPTIONS}  0 2`;
}

/** rsync of the running root onto the copy: one filesystem, full metadata, nothing that is not the system. */
export function copyCommand(facts: DiskFacts, copy: SecondRoot): string[] {
  const running = facts.root.mount.replace(/\/+$/, '');
  const skip = [
    '/dev/*',
    '/proc/*',
    '/sys/*',
    '/run/*',
    '/tmp/*',
    '/var/tmp/*',
    '/var/cache/pacman/pkg/*',
    '/lost+found',
  ];
  const swap = facts.swapFiles.filter((f) => f.startsWith(`${running}/`)).map((f) => f.slice(running.length));
  return [
    'rsync',
    '-aHAXx',
    '--numeric-ids',
    '--info=stats1',
    ...[...skip, ...swap].map((p) => `--exclude=${p}`),
    `${running}/`,
    `${copy.mount}/`,
  ];
}

/** The [sync:NAME] sections the config step appends. */
export function itemSections(facts: DiskFacts, copy: SecondRoot): RenderedSection[] {
  return copy.items.map((i) => ({
    name: `sync:${i.name}`,
    comment: [`written by dualroot-disk add ${facts.target.device}: ${i.source} kept on the new disk's root`],
    keys: [
      { comment: [], key: 'source', value: i.source },
      { comment: [], key: 'destinations', value: i.destination },
    ],
  }));
}

/** The three steps of the copy: made, mounted, filled and named in the config (before the ESP is mounted). */
export function secondRootSteps(
  facts: DiskFacts,
  copy: SecondRoot,
): Record<'mkfs' | 'mount' | 'copy', DiskStep> {
  const probe = facts.target.probes.find((p) => p.device === copy.node);
  // Done once the config names the copy: a rerun before that copies again (rsync sends only what changed).
  const configured = copy.items.every((i) =>
    facts.syncItems.some((c) => c.name === i.name && c.destinations.join() === i.destination),
  );
  return {
    mkfs: {
      id: 'mkfs-root',
      title: `make the new disk's own root on ${copy.node}: ${copy.fsType} like ${facts.root.mount}, UUID ${copy.uuid}`,
      commands: [MKFS[copy.fsType]!(copy.node, copy.uuid)],
      done: probe?.fsType === copy.fsType && probe.fsUuid?.toLowerCase() === copy.uuid,
    },
    mount: {
      id: 'mount-root',
      title: `mount the new root at ${copy.mount}`,
      commands: [['mount', '-t', copy.fsType, copy.node, copy.mount]],
      done: facts.target.mounts.some((m) => m.device === copy.node && m.mount === copy.mount),
    },
    // One step: the config naming the copy is the record that the copy is complete.
    copy: {
      id: 'copy-root',
      title: `copy the running root ${facts.root.mount} onto it (one filesystem; not /dev, /proc, /sys, /run, /tmp, swap files, pacman's package cache), then keep ${copy.items.map((i) => i.source).join(', ')} in sync there: ${facts.configPath} ${copy.items.map((i) => `[sync:${i.name}]`).join(' ')}`,
      commands: [copyCommand(facts, copy)],
      config: itemSections(facts, copy),
      done: configured,
    },
  };
}

/** What add on a plain root leaves to the administrator. */
export function secondRootNotes(facts: DiskFacts, copy: SecondRoot, rootNumber: number): string[] {
  const notes = [
    `/var and /home are not kept in sync (their copy on ${copy.mount} is as of this run): live data belongs on a RAID, or add [sync:NAME] items for what must follow`,
  ];
  const others = facts.bootedTable.partitions.filter(
    (p) =>
      p.number !== facts.booted.number && p.number !== rootNumber && normalizeGuid(p.type) !== XBOOTLDR_TYPE,
  );
  for (const p of others)
    notes.push(
      `partition ${p.number} of ${facts.booted.disk} (${p.node}) is partitioned on the new disk but not formatted or copied`,
    );
  if (facts.bootedTable.partitions.some((p) => normalizeGuid(p.type) === XBOOTLDR_TYPE))
    notes.push('the booted disk has an XBOOTLDR partition (a separate /boot): add a [sync:boot] item for it');
  return notes;
}
