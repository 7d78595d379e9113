// Approach 2 by dualroot-disk add: the new disk gets its own root, a copy of the running one, kept in
// sync by [sync:NAME] items. The steps that make, mount and fill it, and the config they write.
import type { DiskFacts } from './disk-facts.js';
import type { WantedLayout } from './disk-layout.js';
import type { DiskStep } from './disk-plan.js';
import { FailureError } from './errors.js';
import { isGuid, normalizeGuid } from './guid.js';
import type { RenderedSection } from './migrate-render.js';
import { isWithin } from './mountinfo.js';

/** Root filesystems dualroot-disk can make a copy of, and the mkfs that sets a chosen UUID. */
const MKFS: Record<string, (node: string, uuid: string) => string[]> = {
  ext4: (node, uuid) => ['mkfs.ext4', '-q', '-F', '-U', uuid, node],
  xfs: (node, uuid) => ['mkfs.xfs', '-q', '-f', '-m', `uuid=${uuid}`, node],
};

/** An XBOOTLDR copy (FAT): its volume serial is the UUID blkid and fstab name it by (XXXX-XXXX). */
const MKFS_XBOOTLDR = (node: string, uuid: string) => [
  'mkfs.fat',
  '-F',
  '32',
  '-i',
  uuid.replace('-', ''),
  node,
];

/** A FAT volume serial from a fresh GUID, as blkid prints it. */
const fatSerial = (guid: string) => `${guid.slice(0, 4)}-${guid.slice(4, 8)}`;

/** The mkfs of one copied filesystem. */
const mkfsOf = (f: CopiedFs) => (f.fsType === 'vfat' ? MKFS_XBOOTLDR : MKFS[f.fsType]!)(f.node, f.uuid);

/** The mkfs program a plain root of this type needs, or undefined when dualroot-disk cannot copy it. */
export function mkfsTool(fsType: string): string | undefined {
  return MKFS[fsType] ? `mkfs.${fsType}` : undefined;
}

/** The running root's directories kept in sync on the copy (the predecessor's list; /var and /home are live data). */
export const SYNCED_DIRS = ['etc', 'usr', 'opt', 'srv', 'root'];

/** XBOOTLDR's partition type: a separate /boot, copied and kept in sync as [sync:boot]. */
const XBOOTLDR_TYPE = 'bc13c2ff-59e6-4262-a352-b275fd6f7172';

/** An XBOOTLDR copy's FAT mount options (kernels readable by root only, as the ESPs'). */
const XBOOTLDR_FAT_OPTIONS = 'fmask=0077,dmask=0077';

/** The options of the copy's fstab line: the other disk's root must never hold up a boot. */
export const SECOND_ROOT_OPTIONS = 'rw,nofail,x-systemd.device-timeout=10s';

/** One filesystem of the booted disk and its copy on the new disk (the root first, then e.g. /home). */
export interface CopiedFs {
  number: number;
  /** The new disk's partition. */
  node: string;
  fsType: string;
  uuid: string;
  /** Where the running system has it. */
  source: string;
  /** Where the copy is mounted on the running system. */
  mount: string;
  /** An XBOOTLDR partition (a separate /boot with the kernels): kept in sync by a [sync:boot] item. */
  xbootldr?: boolean;
}

/** The new disk's own root: its filesystems, where the root is mounted, which items keep it in sync. */
export interface SecondRoot {
  /** The root's filesystem first. */
  filesystems: CopiedFs[];
  mount: string;
  items: { name: string; source: string; destination: string }[];
  /** Partitions of the booted disk partitioned on the new one but not copied (swap, a RAID member, another filesystem). */
  skipped: string[];
}

const join = (dir: string, name: string) => `${dir.replace(/\/+$/, '')}/${name.replace(/^\/+/, '')}`;

/**
 * The filesystem UUID an fstab line at `mount` chose (a previous run's), or the fresh one. A line
 * there that names no UUID mkfs can set (another tag, a device, a malformed UUID=) is refused: the
 * new filesystem would not be the one fstab mounts.
 */
function chosenUuid(facts: DiskFacts, mount: string, fresh: string, fat: boolean): string {
  const line = facts.fstab.find((e) => e.target === mount);
  if (!line) return normalizeGuid(fresh);
  const named = line.source.match(/^UUID=(.+)$/i)?.[1] ?? '';
  if (fat ? /^[0-9a-f]{4}-[0-9a-f]{4}$/i.test(named) : isGuid(named)) return normalizeGuid(named);
  throw new FailureError(
    `${facts.fstabPath} line ${line.line} mounts ${mount} from ${line.source}, but dualroot-disk add names the copy's filesystem there by the UUID it gives it (UUID=${fat ? 'XXXX-XXXX' : 'an 8-4-4-4-12 hexadecimal UUID'}); nothing was written`,
    `remove line ${line.line} from ${facts.fstabPath} (dualroot-disk add writes it), or correct its UUID=, then run dualroot-disk add again`,
  );
}

/** The filesystems to copy: the root, and each other partition of the booted disk mounted under it with a filesystem mkfs can make. */
function copiedFilesystems(facts: DiskFacts, layout: WantedLayout, rootNumber: number, mount: string) {
  const running = facts.root.mount;
  const filesystems: CopiedFs[] = [];
  const skipped: string[] = [];
  facts.bootedTable.partitions.forEach((p, i) => {
    if (p.number === facts.booted.number) return;
    const xbootldr = normalizeGuid(p.type) === XBOOTLDR_TYPE;
    const node = layout.partitions.find((w) => w.number === p.number)?.node ?? '';
    const fresh = facts.newFsUuids[i] ?? '';
    if (p.number === rootNumber) {
      filesystems.unshift({
        number: p.number,
        node,
        fsType: facts.root.kind === 'other' ? facts.root.fsType : '',
        uuid: chosenUuid(facts, mount, fresh, false),
        source: running,
        mount,
      });
      return;
    }
    const m = facts.bootedMounts.find((b) => b.device === p.node && isWithin(b.mount, running));
    if (!m || !(MKFS[m.fsType] || (xbootldr && m.fsType === 'vfat'))) {
      skipped.push(`${p.node}${m ? ` (${m.fsType} at ${m.mount})` : ''}`);
      return;
    }
    const at = join(mount, m.mount.slice(running.length));
    const fat = xbootldr && m.fsType === 'vfat';
    filesystems.push({
      number: p.number,
      node,
      fsType: m.fsType,
      uuid: fat ? chosenUuid(facts, at, fatSerial(fresh), true) : chosenUuid(facts, at, fresh, false),
      source: m.mount,
      mount: at,
      ...(xbootldr ? { xbootldr } : {}),
    });
  });
  return { filesystems, skipped };
}

/** The second root of an add on a plain (not RAID) root, or undefined on a RAID root. */
export function secondRoot(
  facts: DiskFacts,
  layout: WantedLayout,
  rootNumber: number,
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
  const copied = copiedFilesystems(facts, layout, rootNumber, mount);
  // The kernels on an XBOOTLDR change with every upgrade: its copy is an item (written like an ESP when FAT).
  const boot = copied.filesystems
    .filter((f) => f.xbootldr)
    .map((f) => ({ name: 'boot', source: f.source, destination: f.mount }));
  return { ...copied, mount, items: [...items, ...boot] };
}

/** The fstab lines that mount the copy's filesystems on the running system, those not there yet. */
export function secondRootFstabLines(facts: DiskFacts, copy: SecondRoot): string[] {
  return copy.filesystems
    .filter((f) => !facts.fstab.some((e) => e.target === f.mount))
    .flatMap((f) => [
      `# ${f.node}, the new disk's ${f.source === facts.root.mount ? 'own root' : `copy of ${f.source}`} (dualroot-disk add)`,
      `UUID=${f.uuid}  ${f.mount}  ${f.fsType}  ${f.fsType === 'vfat' ? `${XBOOTLDR_FAT_OPTIONS},` : ''}${SECOND_ROOT_OPTIONS}  0 2`,
    ]);
}

/** rsync of one running filesystem onto its copy: one filesystem, full metadata, nothing that is not the system. */
function copyCommand(facts: DiskFacts, f: CopiedFs): string[] {
  const from = f.source.replace(/\/+$/, '');
  const isRoot = f.source === facts.root.mount;
  const skip = isRoot
    ? ['/dev/*', '/proc/*', '/sys/*', '/run/*', '/tmp/*', '/var/tmp/*', '/var/cache/pacman/pkg/*']
    : [];
  const swap = facts.swapFiles.filter((s) => s.startsWith(`${from}/`)).map((s) => s.slice(from.length));
  return [
    'rsync',
    '-aHAXx',
    '--numeric-ids',
    '--info=stats1',
    ...[...skip, '/lost+found', ...swap].map((p) => `--exclude=${p}`),
    `${from}/`,
    `${f.mount}/`,
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

/** The three steps of the copy: made, mounted, filled and named in the config (before the ESP is mounted). Each runs only what is not done. */
export function secondRootSteps(
  facts: DiskFacts,
  copy: SecondRoot,
): Record<'mkfs' | 'mount' | 'copy', DiskStep> {
  const made = (f: CopiedFs) => {
    const probe = facts.target.probes.find((p) => p.device === f.node);
    return probe?.fsType === f.fsType && probe.fsUuid?.toLowerCase() === f.uuid;
  };
  const mounted = (f: CopiedFs) =>
    facts.target.mounts.some((m) => m.device === f.node && m.mount === f.mount);
  // Done once the config names the copy: a rerun before that copies again (rsync sends only what changed).
  const configured = copy.items.every((i) =>
    facts.syncItems.some((c) => c.name === i.name && c.destinations.join() === i.destination),
  );
  const list = copy.filesystems
    .filter((f) => f.fsType !== 'vfat')
    .map((f) => `${f.source} onto ${f.mount}`)
    .join(', ');
  const [root] = copy.filesystems;
  return {
    mkfs: {
      id: 'mkfs-root',
      title: `make the new disk's filesystems: ${copy.filesystems.map((f) => `${f.node} ${f.fsType} like ${f.source}, UUID ${f.uuid}`).join('; ')}`,
      commands: copy.filesystems.filter((f) => !made(f)).map(mkfsOf),
      done: copy.filesystems.every(made),
    },
    mount: {
      id: 'mount-root',
      title: `mount the new root at ${copy.mount}${copy.filesystems.length > 1 ? `, and its other filesystems in it` : ''}`,
      commands: copy.filesystems
        .filter((f) => !mounted(f))
        .flatMap((f) => [
          ['mkdir', '-p', f.mount],
          [
            'mount',
            '-t',
            f.fsType,
            ...(f.fsType === 'vfat' ? ['-o', XBOOTLDR_FAT_OPTIONS] : []),
            f.node,
            f.mount,
          ],
        ]),
      done: copy.filesystems.every(mounted),
    },
    // One step: the config naming the copy is the record that the copy is complete.
    copy: {
      id: 'copy-root',
      title: `copy ${list} (one filesystem each; not /dev, /proc, /sys, /run, /tmp, swap files, pacman's package cache), then keep ${copy.items.map((i) => i.source).join(', ')} in sync on ${root?.mount}: ${facts.configPath} ${copy.items.map((i) => `[sync:${i.name}]`).join(' ')}`,
      // A FAT copy (XBOOTLDR) is filled by its item's sync, with FAT's options.
      commands: copy.filesystems.filter((f) => f.fsType !== 'vfat').map((f) => copyCommand(facts, f)),
      config: itemSections(facts, copy),
      done: configured,
    },
  };
}

/** What add on a plain root leaves to the administrator. */
export function secondRootNotes(facts: DiskFacts, copy: SecondRoot): string[] {
  const copiedElsewhere = copy.filesystems.slice(1).map((f) => f.source);
  const notes = [
    `/var and /home are not kept in sync (their copy on ${copy.mount} is as of this run${copiedElsewhere.length > 0 ? `, like ${copiedElsewhere.join(', ')}` : ''}): live data belongs on a RAID, or add [sync:NAME] items for what must follow`,
  ];
  for (const p of copy.skipped)
    notes.push(
      `${p} of ${facts.booted.disk} is partitioned on the new disk but not formatted or copied (swap: mkswap it and add it to the copy's fstab by hand)`,
    );
  return notes;
}
