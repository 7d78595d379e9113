import { decideBind } from './bind.js';
import { bootedEspMount, presentEsp } from './booted-esp.js';
import type { Config } from './config.js';
import { DualrootError, FailureError, withFix } from './errors.js';
import type { Booted, Esp } from './esp.js';
import { STAGING_EXCLUDE } from './esp-update.js';
import type { FstabEntry } from './fstab.js';
import { enclosingMount, type MountEntry, mountAt } from './mountinfo.js';
import { type SourceFs, sourceFsOf, sourceLost } from './source-identity.js';

/** One source → destination copy that passed every safety rule. */
export interface Job {
  /** "esp" for the ESP sync, else the [sync:NAME] name. */
  item: string;
  source: string;
  destination: string;
  /** The destination is an ESP: FAT rules apply. */
  fat: boolean;
  exclude: string[];
  /** An item's source filesystem, recorded in sync-state.json when the copy succeeds. */
  sourceFs?: SourceFs;
}

/** A destination that must not or cannot be written, and why. */
export interface Refusal {
  item: string;
  source: string;
  destination: string;
  reason: string;
  /** true: a disk or mount is missing (degraded, exit 3); false: unsafe or wrong (failure, exit 1). */
  degraded: boolean;
}

/** Everything one sync run will do and refuse. */
export interface Plan {
  jobs: Job[];
  refusals: Refusal[];
  /** Machine-level problems that do not belong to one destination (e.g. an unmounted ESP). */
  warnings: string[];
  /** Facts worth telling that do not make the machine degraded. */
  notes: string[];
}

/** The facts a plan is made from, gathered by the caller. */
export interface PlanInput {
  config: Config;
  /** ESP mount points to consider (config list, or the /efiN directories found). */
  espMounts: string[];
  esps: Esp[];
  /** The booted ESP (or why it is unknown); needed only when ESPs are synced. */
  booted: Booted | DualrootError | undefined;
  mounts: MountEntry[];
  /** Whether a path exists (as the system sees it now). */
  exists: (path: string) => boolean;
  /** fstab's lines, so an ESP whose disk is gone can still be named by what should be mounted. */
  fstab?: { file: string; entries: FstabEntry[] };
  /** The bind target ([bind] target), resolved: never an item's destination, and its mount is checked. */
  bindTarget?: string;
  /** Each item's source filesystem at its last successful sync (sync-state.json). */
  lastSources?: Record<string, SourceFs | undefined>;
  /** Accept an item source now on another filesystem than at its last successful sync. */
  allowSourceChange?: boolean;
}

/** What fstab says belongs at a mount point, e.g. " (/etc/fstab line 4 mounts PARTUUID=... there)"; empty when it says nothing. */
function fstabSays({ fstab }: PlanInput, target: string): string {
  const entry = fstab?.entries.find((e) => e.target === target);
  return fstab && entry ? ` (${fstab.file} line ${entry.line} mounts ${entry.source} there)` : '';
}

/**
 * The sync rules: a destination becomes a job only when it is proven to be another mounted
 * filesystem than its source (an ESP for the ESP sync, never the root filesystem for an item);
 * a missing one is refused as degraded (its disk is gone), an unsafe one as a failure.
 */
export function planSync(input: PlanInput): Plan {
  const plan: Plan = { jobs: [], refusals: [], warnings: [], notes: [] };
  if (input.config.esp.sync) {
    try {
      planEsps(input, plan);
    } catch (error) {
      // The ESPs cannot be synced (booted ESP unknown or unmounted): report it, and still do the items.
      if (!(error instanceof DualrootError)) throw error;
      plan.refusals.push({
        item: 'esp',
        source: input.espMounts[0] ?? '(booted ESP)',
        destination: '(every other ESP)',
        reason: withFix(error.message, error.hint),
        degraded: false,
      });
    }
  }
  for (const item of input.config.items)
    planItem(input, plan, item.name, item.source, item.destinations, item.exclude);
  return plan;
}

function planEsps(input: PlanInput, plan: Plan): void {
  const { booted, esps, mounts, espMounts, config } = input;
  if (booted instanceof DualrootError) throw booted;
  if (!booted) throw new FailureError('the booted ESP is unknown, so no ESP can be synced');
  const bootedEsp = presentEsp(booted);
  const espOf = (entry: MountEntry) => esps.find((e) => e.majorMinor === entry.majorMinor);
  const source = bootedEspMount(bootedEsp, espMounts, mounts);
  wrongBindRefused(input, bootedEsp);
  const used = new Set<string>([bootedEsp.majorMinor]);
  for (const dest of espMounts) {
    if (dest === source) continue;
    const refuse = (reason: string, degraded: boolean) =>
      plan.refusals.push({ item: 'esp', source, destination: dest, reason, degraded });
    const entry = mountAt(mounts, dest);
    if (!input.exists(dest)) {
      refuse(`${dest} does not exist${fstabSays(input, dest)}`, true);
    } else if (!entry) {
      // When the disk is dead its partition is gone too: fstab is what still names it.
      refuse(
        `${dest} is not a mount point${fstabSays(input, dest)}: its disk is missing or not mounted; writing there would fill the root filesystem`,
        true,
      );
    } else if (entry.majorMinor === bootedEsp.majorMinor) {
      refuse(`${dest} is the same filesystem as the source ${source} (device ${entry.majorMinor})`, false);
    } else {
      const esp = espOf(entry);
      if (!esp) {
        refuse(`${dest} is mounted from ${entry.source}, which is not an EFI System Partition`, false);
      } else {
        used.add(esp.majorMinor);
        // The staging directory of a staged update is never copied, deleted or compared.
        const exclude = [...config.esp.exclude, STAGING_EXCLUDE];
        plan.jobs.push({ item: 'esp', source, destination: dest, fat: true, exclude });
      }
    }
  }
  const synced = plan.jobs.some((j) => j.item === 'esp');
  for (const esp of esps) {
    if (used.has(esp.majorMinor)) continue;
    const text = `ESP ${esp.device} on ${esp.disk} (PARTUUID ${esp.partUuid}) is not mounted at any ESP mount point, so it is not kept in sync`;
    // With a second ESP already in sync, an extra unmounted one (installer stick, spare disk) is
    // worth a note, not a degraded machine; with none in sync, it is the missing copy.
    if (synced) plan.notes.push(`${text} (to keep it in sync too, mount it at another /efiN)`);
    else plan.warnings.push(text);
  }
  if (esps.length >= 2 && !synced && plan.refusals.length === 0 && plan.warnings.length === 0) {
    plan.warnings.push(`no ESP mount point other than ${source}: nothing keeps a second ESP in sync`);
  }
  if (esps.length < 2) {
    plan.warnings.push(`only ${esps.length} ESP found: this machine has no second ESP to boot from`);
  }
}

/**
 * Throws dualroot-bind's diagnosis when the bind target is mounted from another ESP than the
 * booted one: mkinitcpio wrote its kernels there, and a sync would revert them from the booted ESP.
 */
function wrongBindRefused({ bindTarget, mounts, esps, espMounts }: PlanInput, booted: Esp): void {
  if (bindTarget === undefined) return;
  const current = mountAt(mounts, bindTarget);
  if (!current || !esps.some((e) => e.majorMinor === current.majorMinor)) return;
  const decision = decideBind(booted, espMounts, bindTarget, mounts);
  if (decision.action === 'refuse')
    throw new FailureError(
      `${decision.message}: kernels installed now land on that ESP, and syncing from the booted one would revert them`,
      decision.hint,
    );
}

const within = (path: string, dir: string) => path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);

/** Why a destination is an ESP's or the bind target's (never an item's to write), else undefined. */
function espOwned(input: PlanInput, dest: string, destMount: MountEntry | undefined): string | undefined {
  const esp = destMount && input.esps.find((e) => e.majorMinor === destMount.majorMinor);
  if (esp)
    return `${dest} is on the ESP ${esp.device} (mounted at ${destMount.mountPoint}, device ${esp.majorMinor}): an item must never write onto an ESP`;
  const owner = [input.bindTarget, ...input.espMounts].find((p) => p !== undefined && within(dest, p));
  if (owner !== undefined)
    return `${dest} is ${owner === dest ? '' : 'inside '}${owner === input.bindTarget ? 'the bind target' : 'an ESP mount point'} ${owner}: an item must never write there`;
  return undefined;
}

function planItem(
  input: PlanInput,
  plan: Plan,
  item: string,
  source: string,
  destinations: string[],
  exclude: string[],
): void {
  const { mounts } = input;
  const sourceMount = enclosingMount(mounts, source);
  const lost =
    sourceMount && input.exists(source)
      ? sourceLost(
          source,
          sourceMount,
          input.fstab,
          input.lastSources?.[item],
          input.allowSourceChange ?? false,
        )
      : undefined;
  for (const dest of destinations) {
    const refuse = (reason: string, degraded: boolean) =>
      plan.refusals.push({ item, source, destination: dest, reason, degraded });
    if (!input.exists(source)) {
      refuse(`source ${source} does not exist`, false);
      continue;
    }
    if (lost) {
      refuse(lost, true);
      continue;
    }
    const destMount = enclosingMount(mounts, dest);
    const onEsp = espOwned(input, dest, destMount);
    if (onEsp) {
      refuse(withFix(onEsp, "choose a destination on the other disk's root filesystem"), false);
    } else if (!input.exists(dest)) {
      refuse(`${dest} does not exist (is the other disk mounted?)`, true);
    } else if (!destMount || destMount.mountPoint === '/') {
      refuse(`${dest} is on the root filesystem, not on a mounted second disk`, true);
    } else if (sourceMount && destMount.majorMinor === sourceMount.majorMinor) {
      refuse(
        `${dest} is on the same filesystem as its source ${source} (device ${destMount.majorMinor})`,
        false,
      );
    } else {
      // A FAT destination (an XBOOTLDR /boot) is written like an ESP: FAT's rsync options, the staged update.
      const fat = destMount.fsType === 'vfat';
      plan.jobs.push({
        item,
        source,
        destination: dest,
        fat,
        exclude: fat ? [...exclude, STAGING_EXCLUDE] : exclude,
        ...(sourceMount ? { sourceFs: sourceFsOf(sourceMount) } : {}),
      });
    }
  }
}
