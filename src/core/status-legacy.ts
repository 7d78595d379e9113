import type { FstabEntry } from './fstab.js';
import type { StatusReport } from './status.js';

/** dual-root's unit names and the dualroot units they are aliases of now. */
export const LEGACY_UNITS: Record<string, string> = {
  'bind-mount-efi.service': 'dualroot-bind.service',
  'dual-root-syncd.service': 'dualroot-watch.service',
};

/** What is left of dual-root on this machine, as gathered by the caller. */
export interface LegacyFacts {
  /** dual-root's sync-daemon.conf, when it is still there. */
  oldConfig: string | undefined;
  config: string;
  /** dualroot.conf is missing or sets nothing. */
  configSetsNothing: boolean;
  /** Links and files under the systemd directory named after an old unit (e.g. multi-user.target.wants/dual-root-syncd.service). */
  unitLinks: string[];
  systemdDir: string;
  fstab: { file: string; entries: FstabEntry[] | undefined };
}

/** Warnings (never problems: everything still works through the aliases) about dual-root's leftovers, each with its clean-up. */
export function checkLegacy(report: StatusReport, facts: LegacyFacts): void {
  const { oldConfig, config } = facts;
  if (oldConfig && facts.configSetsNothing)
    report.add(
      'legacy',
      oldConfig,
      'warning',
      `${oldConfig} (dual-root's config) is not translated: dualroot-sync and dualroot-watch do not read it, so its sync items are not kept in sync`,
      `dualroot-migrate --write, then check with dualroot-sync --test`,
    );
  else if (oldConfig)
    report.add(
      'legacy',
      oldConfig,
      'warning',
      `${oldConfig} (dual-root's config) is still there but unused: dualroot reads ${config}`,
      `compare ${config} with the output of dualroot-migrate ${oldConfig}, then remove ${oldConfig}`,
    );
  for (const link of facts.unitLinks) {
    const name = link.split('/').pop() as string;
    const now = LEGACY_UNITS[name] as string;
    const inDir = link.slice(facts.systemdDir.length + 1);
    report.add(
      'legacy',
      link,
      'warning',
      inDir.includes('/')
        ? `${name} is enabled under dual-root's name (${link}): it starts ${now} through the alias, but disabling ${now} leaves this link`
        : `${link} is a unit file of dual-root's: it hides the alias of ${now}`,
      inDir.includes('/') ? `rm ${link} && systemctl enable ${now}` : `rm ${link} && systemctl daemon-reload`,
    );
  }
  for (const e of facts.fstab.entries ?? [])
    for (const o of e.options) {
      const old = Object.keys(LEGACY_UNITS).find((u) => o.endsWith(`=${u}`));
      if (old)
        report.add(
          'legacy',
          e.target,
          'warning',
          `${facts.fstab.file} line ${e.line} (${e.target}) has ${o}, dual-root's unit name (an alias of ${LEGACY_UNITS[old]} now)`,
          `replace it with ${o.replace(old, LEGACY_UNITS[old] as string)}`,
        );
    }
}
