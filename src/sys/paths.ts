/** Every system path dualroot reads or writes, overridable so tests point at fixture trees. */
export interface SystemPaths {
  config: string;
  /** The config file was named (option or DUALROOT_CONFIG): then it must exist. */
  configRequired?: boolean;
  efivars: string;
  mountinfo: string;
  proc: string;
  sysfs: string;
  byPartUuid: string;
  runDir: string;
  fstab: string;
  /** Directory searched for ESP mount points efi0, efi1, ... when [esp] mounts = auto. */
  espRoot: string;
  /** The root filesystem whose RAID redundancy dualroot-status checks. */
  root: string;
  /** The predecessor's (dual-root 3.6) sync daemon config, which dualroot-migrate translates. */
  legacyConfig: string;
  /** Where `systemctl enable` puts its links: dualroot-status looks here for old units enabled. */
  systemdDir: string;
  /** Exists when systemd runs this machine (sd_booted(3)): fstab edits need a daemon-reload. */
  systemdRun: string;
  /** Where programs dualroot runs are looked for before it starts (PATH). */
  toolPath: string;
}

/** The system paths from the environment (DUALROOT_*), else the real ones. */
export function systemPaths(env: NodeJS.ProcessEnv = process.env): SystemPaths {
  const proc = env.DUALROOT_PROC ?? '/proc';
  return {
    config: env.DUALROOT_CONFIG ?? '/etc/dualroot/dualroot.conf',
    configRequired: env.DUALROOT_CONFIG !== undefined,
    efivars: env.DUALROOT_EFIVARS ?? '/sys/firmware/efi/efivars',
    mountinfo: env.DUALROOT_MOUNTINFO ?? `${proc}/self/mountinfo`,
    proc,
    sysfs: env.DUALROOT_SYSFS ?? '/sys',
    byPartUuid: env.DUALROOT_BY_PARTUUID ?? '/dev/disk/by-partuuid',
    runDir: env.DUALROOT_RUN_DIR ?? '/run/dualroot',
    fstab: env.DUALROOT_FSTAB ?? '/etc/fstab',
    espRoot: env.DUALROOT_ESP_ROOT ?? '/',
    root: env.DUALROOT_ROOT ?? '/',
    legacyConfig: env.DUALROOT_LEGACY_CONFIG ?? '/etc/dual-root/sync-daemon.conf',
    systemdDir: env.DUALROOT_SYSTEMD_DIR ?? '/etc/systemd/system',
    systemdRun: env.DUALROOT_SYSTEMD_RUN ?? '/run/systemd/system',
    toolPath: env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/bin',
  };
}
