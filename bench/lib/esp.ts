// A realistic Arch Linux ESP (systemd-boot, three kernels with initramfs and fallback initramfs,
// microcode, loader entries), filled with incompressible random data.
import { randomFillSync } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

const MiB = 2 ** 20;
const SYSTEMD_BOOT = '/usr/lib/systemd/boot/efi/systemd-bootx64.efi';

/** Kernel packages and their file sizes in MiB (about what Arch ships): vmlinuz, initramfs, fallback. */
export const KERNELS = [
  { name: 'linux', vmlinuz: 14, initramfs: 20, fallback: 64 },
  { name: 'linux-lts', vmlinuz: 12, initramfs: 18, fallback: 60 },
  { name: 'linux-zen', vmlinuz: 15, initramfs: 22, fallback: 68 },
] as const;

/** Writes `bytes` of random data to a file. */
export function writeRandom(file: string, bytes: number): void {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    const chunk = Buffer.allocUnsafe(4 * MiB);
    for (let left = bytes; left > 0; left -= chunk.length) {
      const part = left < chunk.length ? chunk.subarray(0, left) : chunk;
      randomFillSync(part);
      writeSync(fd, part);
    }
  } finally {
    closeSync(fd);
  }
}

/** The files one kernel package upgrade rewrites. */
export function kernelFiles(kernel: (typeof KERNELS)[number], scale: number): [string, number][] {
  return [
    [`vmlinuz-${kernel.name}`, Math.round(kernel.vmlinuz * MiB * scale)],
    [`initramfs-${kernel.name}.img`, Math.round(kernel.initramfs * MiB * scale)],
    [`initramfs-${kernel.name}-fallback.img`, Math.round(kernel.fallback * MiB * scale)],
  ];
}

/** Fills a directory with an ESP's contents; sizes are multiplied by `scale`. Returns the total bytes. */
export function populateEsp(dir: string, scale = 1): number {
  let total = 0;
  const put = (path: string, data: Buffer | string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), data);
    total += Buffer.byteLength(data);
  };
  const random = (path: string, bytes: number) => {
    writeRandom(join(dir, path), bytes);
    total += bytes;
  };
  const boot = existsSync(SYSTEMD_BOOT) ? readFileSync(SYSTEMD_BOOT) : randomFillSync(Buffer.alloc(120_000));
  put('EFI/systemd/systemd-bootx64.efi', boot);
  put('EFI/BOOT/BOOTX64.EFI', boot);
  put('loader/loader.conf', 'default arch-linux.conf\ntimeout 3\nconsole-mode max\neditor no\n');
  random('intel-ucode.img', Math.round(8 * MiB * scale));
  random('amd-ucode.img', Math.round(0.1 * MiB * scale));
  for (const kernel of KERNELS) {
    for (const [file, bytes] of kernelFiles(kernel, scale)) random(file, bytes);
    for (const fallback of [false, true]) {
      const suffix = fallback ? '-fallback' : '';
      put(
        `loader/entries/arch-${kernel.name}${suffix}.conf`,
        [
          `title   Arch Linux (${kernel.name}${suffix ? ', fallback initramfs' : ''})`,
          `linux   /vmlinuz-${kernel.name}`,
          'initrd  /intel-ucode.img',
          'initrd  /amd-ucode.img',
          `initrd  /initramfs-${kernel.name}${suffix}.img`,
          'options root=UUID=5b1a3d92-1f1e-4d9a-9a8e-2f6c0c7b9d11 rootflags=subvol=@ rw',
          '',
        ].join('\n'),
      );
    }
  }
  return total;
}

/** Stamps a file's times (whole seconds, so FAT's 2 s granularity never hides a change). */
export function stamp(file: string, seconds: number): void {
  utimesSync(file, seconds, seconds);
}
