import type { DiskCommand, RootFacts } from './disk-facts.js';
import { rootDevices } from './disk-layout.js';
import type { DiskStep } from './disk-plan.js';
import { FailureError } from './errors.js';
import { unmirroredProfiles } from './raid.js';

/** The new root partition is one of the root's devices (btrfs lists it, md has it as an active member). */
export function isRootMember(root: RootFacts, node: string): boolean {
  return root.kind !== 'other' && rootDevices(root).includes(node);
}

/** The btrfs devid to replace: the first one `btrfs filesystem show` lists as missing. */
function missingDevid(root: Extract<RootFacts, { kind: 'btrfs' }>): number {
  const missing = root.devices.find((d) => d.path === undefined);
  if (!missing)
    throw new FailureError(
      `btrfs filesystem show ${root.mount} says a device is missing but lists no missing devid; nothing was written`,
      `look at btrfs filesystem show ${root.mount}; replace it by hand as docs/guide.md says`,
    );
  return missing.devid;
}

/** The steps that put the new root partition into the RAID1: btrfs device add or replace and balance, or mdadm. */
export function rootSteps(command: DiskCommand, root: RootFacts, node: string): DiskStep[] {
  const member = isRootMember(root, node);
  if (root.kind === 'btrfs') {
    const join: DiskStep =
      command === 'add'
        ? {
            id: 'root',
            title: `add ${node} to the btrfs root`,
            commands: [['btrfs', 'device', 'add', node, root.mount]],
            done: member,
          }
        : {
            id: 'root',
            title: `rebuild the missing btrfs device onto ${node}`,
            commands: member
              ? []
              : [['btrfs', 'replace', 'start', '-B', String(missingDevid(root)), node, root.mount]],
            done: member,
          };
    const unmirrored = unmirroredProfiles(root.profiles);
    return [
      join,
      {
        id: 'balance',
        // soft: only the chunks not RAID1 yet (all of them on a one-disk root, what a degraded mount wrote otherwise).
        title: `make every data and metadata chunk RAID1${unmirrored.length > 0 ? ` (now ${unmirrored.join(', ')})` : ''}`,
        commands: [['btrfs', 'balance', 'start', '-dconvert=raid1,soft', '-mconvert=raid1,soft', root.mount]],
        done: member && root.state.missing === 0 && unmirrored.length === 0,
      },
    ];
  }
  if (root.kind === 'md') {
    // A one-member array needs a second slot; a degraded one has the slot waiting.
    const grow = command === 'add' && root.state.devices < 2;
    return [
      {
        id: 'root',
        title: `add ${node} to the md RAID1 ${root.array} (it then rebuilds in the background: dualroot-status shows the progress)`,
        commands: [
          grow
            ? ['mdadm', '--grow', root.array, '--raid-devices=2', '--add', node]
            : ['mdadm', '--manage', root.array, '--add', node],
        ],
        done: member,
      },
    ];
  }
  return [];
}
