// The ESP mount-point naming rule of [esp] mounts = auto: directories efi0, efi1, ... directly
// under the ESP root (/ on a real machine), taken in number order.

const NAME = /^efi(\d+)$/;

/** True for an ESP mount point's directory name (efi0, efi1, ...). */
export function isEspMountName(name: string): boolean {
  return NAME.test(name);
}

/** The number of an ESP mount point's directory name (efi1 → 1), for sorting. */
export function espMountNumber(name: string): number {
  return Number(NAME.exec(name)?.[1] ?? Number.NaN);
}

/** True when an absolute path is an auto ESP mount point (/efiN) or inside one. */
export function inAutoEspMount(path: string): boolean {
  const [, first] = path.split('/');
  return path.startsWith('/') && first !== undefined && isEspMountName(first);
}
