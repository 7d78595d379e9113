// The trees dualroot-watch's benchmark watches: an Arch ESP and an /etc-sized item.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** An ESP as an Arch machine has it: boot loader, loader entries, kernel, initramfs images, microcode. */
export function makeEspTree(dir: string): number {
  const files: [string, number][] = [
    ['EFI/BOOT/BOOTX64.EFI', 120_000],
    ['EFI/systemd/systemd-bootx64.efi', 120_000],
    ['loader/loader.conf', 40],
    ['loader/entries/arch.conf', 200],
    ['loader/entries/arch-fallback.conf', 220],
    ['loader/entries/arch-lts.conf', 200],
    ['vmlinuz-linux', 14_000_000],
    ['initramfs-linux.img', 20_000_000],
    ['initramfs-linux-fallback.img', 60_000_000],
    ['vmlinuz-linux-lts', 13_000_000],
    ['initramfs-linux-lts.img', 18_000_000],
    ['intel-ucode.img', 8_000_000],
    ['amd-ucode.img', 100_000],
  ];
  let bytes = 0;
  for (const [path, size] of files) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), randomBytes(size));
    bytes += size;
  }
  return bytes;
}

/** An /etc-sized tree: `files` small files in about 300 directories, up to 3 levels deep. */
export function makeEtcTree(dir: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `d${i % 100}`, `s${i % 3}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `file${i}.conf`), randomBytes(200 + (i % 20) * 100).toString('base64'));
  }
}
