import type { DiskCommand, DiskFacts } from './disk-facts.js';
import { type WantedLayout, wantedLayout } from './disk-layout.js';
import {
  type SecondRoot,
  secondRoot,
  secondRootFstabLines,
  secondRootNotes,
  secondRootSteps,
} from './disk-plan-copy.js';
import { isRootMember, rootSteps } from './disk-plan-root.js';
import { refuseMachine, refuseRaidState, refuseTarget } from './disk-refusals.js';
import { formatBootNumber } from './efivars.js';
import { espMountNumber, isEspMountName } from './esp-mount-name.js';
import type { FstabEntry } from './fstab.js';
import { normalizeGuid } from './guid.js';
import type { RenderedSection } from './migrate-render.js';
import { sfdiskScript } from './sfdisk.js';

/** The options docs/arch-install.md gives an ESP's fstab line. */
export const ESP_FSTAB_OPTIONS =
  'rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,shortname=mixed,utf8,errors=remount-ro,nofail,x-systemd.device-timeout=10s,x-systemd.before=dualroot-bind.service';

/** What a step is, so the app knows how to run it. */
export type StepId =
  | 'partition'
  | 'partx'
  | 'mkfs-esp'
  | 'fstab'
  | 'mount'
  | 'bootloader'
  | 'sync'
  | 'entries'
  | 'dead-entries'
  | 'root'
  | 'balance'
  | 'mkfs-root'
  | 'mount-root'
  | 'copy-root';

/** The fstab change of the fstab step: lines appended, or the dead ESP's line pointed at the new one. */
export type FstabChange =
  | { kind: 'append'; lines: string[] }
  | { kind: 'replace'; line: number; oldSource: string; newSource: string };

/** One step: the exact commands it runs (dualroot's own programs included) and whether it is done already. */
export interface DiskStep {
  id: StepId;
  title: string;
  commands: string[][];
  /** What the first command reads on stdin (sfdisk's script). */
  input?: string;
  fstab?: FstabChange;
  /** The config step's sections, appended to dualroot.conf. */
  config?: RenderedSection[];
  done: boolean;
}

/** Everything dualroot-disk will do to DEVICE, in order. */
export interface DiskPlan {
  command: DiskCommand;
  device: string;
  layout: WantedLayout;
  espMount: string;
  /** The fstab line of the dead disk's ESP (replace), when fstab names one no disk has. */
  deadEsp: FstabEntry | undefined;
  /** The new disk's own root (add on a plain root: approach 2), undefined when it joins the RAID1. */
  secondRoot: SecondRoot | undefined;
  steps: DiskStep[];
  notes: string[];
}

/** The partition GUID or filesystem UUID an fstab source names ("PARTUUID=x" → x). */
function sourceId(source: string): { key: 'PARTUUID' | 'UUID'; value: string } | undefined {
  const m = source.match(/^(PARTUUID|UUID)=(.+)$/i);
  return m ? { key: m[1]!.toUpperCase() as 'PARTUUID' | 'UUID', value: normalizeGuid(m[2]!) } : undefined;
}

/** fstab lines for an ESP (vfat, or at an /efiN) whose PARTUUID or UUID no partition present has. */
export function deadEspLines(facts: DiskFacts): FstabEntry[] {
  return facts.fstab.filter((e) => {
    const name = e.target.split('/').pop() ?? '';
    if (e.fsType !== 'vfat' && !isEspMountName(name)) return false;
    const id = sourceId(e.source);
    if (!id) return false;
    const present = id.key === 'PARTUUID' ? facts.partUuids : facts.fsUuids.map(normalizeGuid);
    return !present.includes(id.value);
  });
}

/** The new disk's partitions with names that carry the booted disk's number given the new one's (root0 → root1, by /efi0 → /efi1), so labels stay unique. */
function renumbered(
  layout: WantedLayout,
  bootedMount: string | undefined,
  espMount: string,
): WantedLayout['partitions'] {
  const from = String(espMountNumber(bootedMount?.split('/').pop() ?? ''));
  const to = String(espMountNumber(espMount.split('/').pop() ?? ''));
  return layout.partitions.map((p) => {
    const m = p.name?.match(/^(.*\D)(\d+)$/);
    return m && m[2] === from ? { ...p, name: `${m[1]}${to}` } : p;
  });
}

/** The lowest /efiN under the ESP root that neither fstab nor a mount uses. */
function nextEspMount(facts: DiskFacts): string {
  const root = facts.espRoot.replace(/\/+$/, '');
  const used = new Set(
    [...facts.fstab.map((e) => e.target), ...facts.esps.flatMap((e) => e.mounts)]
      .filter((t) => t.startsWith(`${root}/`) && isEspMountName(t.slice(root.length + 1)))
      .map((t) => espMountNumber(t.slice(root.length + 1))),
  );
  let n = 0;
  while (used.has(n)) n++;
  return `${root}/efi${n}`;
}

/** Plans `add` or `replace` on the target disk from the facts, or throws the refusal that stops it. */
export function planDisk(facts: DiskFacts): DiskPlan {
  const rootPart = refuseMachine(facts);
  const layout = wantedLayout(facts, rootPart);
  const { esp, root } = layout;
  const device = facts.target.device;
  const espSource = `PARTUUID=${esp.uuid}`;
  const dead = facts.command === 'replace' ? deadEspLines(facts)[0] : undefined;
  const own = facts.fstab.find((e) => sourceId(e.source)?.value === esp.uuid);
  const espMount = own?.target ?? dead?.target ?? nextEspMount(facts);
  const copy = secondRoot(facts, layout, rootPart.number, espMountNumber(espMount.split('/').pop() ?? ''));
  refuseRaidState(facts.command, facts.root, isRootMember(facts.root, root.node));
  refuseTarget(facts, layout, espMount, copy);
  const copySteps = copy ? secondRootSteps(facts, copy) : undefined;

  // The line's own options once it names the new ESP (a rerun after the fstab step), else the dead line's.
  const options = ((own ?? dead)?.options.join(',') ?? ESP_FSTAB_OPTIONS).split(',');
  const mountOptions = options.filter((o) => o !== 'nofail' && !o.startsWith('x-') && o !== 'defaults');
  const copyLines = copy ? secondRootFstabLines(facts, copy) : [];
  const fstab: FstabChange = dead
    ? { kind: 'replace', line: dead.line, oldSource: dead.source, newSource: espSource }
    : {
        kind: 'append',
        lines: [
          ...(own
            ? []
            : [
                `# ${esp.node} (dualroot-disk ${facts.command})`,
                `${espSource}  ${espMount}  vfat  ${ESP_FSTAB_OPTIONS}  0 2`,
              ]),
          ...copyLines,
        ],
      };
  const mountedAt = facts.target.mounts.some((m) => m.device === esp.node && m.mount === espMount);
  const probe = facts.target.probes.find((p) => p.device === esp.node);
  const deadUuid = dead ? sourceId(dead.source) : undefined;
  const deadEntries = facts.bootEntries.filter(
    (e) =>
      deadUuid?.key === 'PARTUUID' &&
      e.partUuid !== undefined &&
      normalizeGuid(e.partUuid) === deadUuid.value,
  );
  const notes: string[] = [];
  const steps: DiskStep[] = [
    {
      id: 'partition',
      title: `partition ${device} like ${facts.booted.disk}: ${layout.partitions.length} partitions, same types and sizes${layout.partitions.some((p) => p.size === undefined) ? `, the root ${root.node} takes the rest` : ''}, new GUIDs`,
      commands: [['sfdisk', device]],
      input: sfdiskScript(renumbered(layout, facts.bootedMount, espMount)),
      done: layout.present,
    },
    {
      id: 'partx',
      title: `let the kernel see the new partitions (${layout.partitions.map((p) => p.node).join(', ')})`,
      commands: [['partx', '--add', device]],
      done: layout.present && layout.partitions.every((p) => facts.target.partitions.includes(p.node)),
    },
    {
      id: 'mkfs-esp',
      title: `format the new ESP ${esp.node} (PARTUUID ${esp.uuid}) FAT32`,
      commands: [['mkfs.fat', '-F', '32', esp.node]],
      done: probe?.fsType === 'vfat',
    },
    // Before the fstab edit: once the dead line names the new ESP, nothing says which entries were the dead disk's.
    ...(dead && facts.uefi
      ? [
          {
            id: 'dead-entries' as const,
            title: `remove the dead disk's firmware boot entries (they name ${dead.source}, which no disk has)`,
            commands: deadEntries.map((e) => ['efibootmgr', '-b', formatBootNumber(e.num), '-B']),
            done: deadEntries.length === 0,
          },
        ]
      : []),
    {
      id: 'fstab',
      title: dead
        ? `${facts.fstabPath} line ${dead.line}: mount the new ESP at ${espMount} in place of the dead disk's (${dead.source} → ${espSource})`
        : `${facts.fstabPath}: mount the new ESP at ${espMount} (${espSource}, nofail)${copy ? ` and the new root at ${copy.mount} (${copy.filesystems.map((f) => `UUID=${f.uuid}`).join(', ')}, nofail)` : ''}`,
      commands: facts.systemd ? [['systemctl', 'daemon-reload']] : [],
      fstab,
      done: own !== undefined && copyLines.length === 0,
    },
    // The fstab line first: it keeps the UUID chosen for the new root, so a rerun knows the filesystem as its own.
    ...(copySteps ? [copySteps.mkfs, copySteps.mount, copySteps.copy] : []),
    {
      id: 'mount',
      title: `mount the new ESP at ${espMount}`,
      commands: [
        [
          'mount',
          '-t',
          'vfat',
          ...(mountOptions.length > 0 ? ['-o', mountOptions.join(',')] : []),
          esp.node,
          espMount,
        ],
      ],
      done: mountedAt,
    },
  ];
  if (facts.systemdBoot)
    steps.push({
      id: 'bootloader',
      title: `install systemd-boot on ${espMount}, without touching the EFI variables`,
      commands: [['bootctl', 'install', `--esp-path=${espMount}`, '--no-variables']],
      done: facts.loaderAt.includes(espMount),
    });
  else
    notes.push(
      `the booted ESP has no systemd-boot (EFI/systemd/systemd-bootx64.efi): the copy brings its loader's files, but that loader's own install on ${espMount} (e.g. grub-install --no-nvram --efi-directory=${espMount}) is not done`,
    );
  if (copy) notes.push(...secondRootNotes(facts, copy));
  const synced = [espMount, ...(copy?.items.map((i) => i.destination) ?? [])];
  steps.push({
    id: 'sync',
    title: copy
      ? `dualroot-sync: the booted ESP onto ${espMount}, ${copy.items.map((i) => i.source).join(', ')} onto the new root, the per-disk files (loader entries, fstab) written with the new disk's identifiers`
      : `copy the booted ESP ${facts.bootedMount} onto ${espMount} (kernels, initramfs, loader entries)`,
    commands: [['dualroot-sync']],
    done: synced.every((d) => facts.syncedTo.includes(d)),
  });
  if (facts.uefi) {
    steps.push({
      id: 'entries',
      title: `give the new ESP a firmware boot entry, ahead of the firmware's own`,
      commands: [['dualroot-esp', 'entries', '--fix']],
      done: facts.bootEntries.some((e) => e.partUuid !== undefined && normalizeGuid(e.partUuid) === esp.uuid),
    });
  } else notes.push('not booted with UEFI: no firmware boot entries are made');
  steps.push(...rootSteps(facts.command, facts.root, root.node));
  return { command: facts.command, device, layout, espMount, deadEsp: dead, secondRoot: copy, steps, notes };
}
