// Real UKIs for tests: systemd-boot-efi's stub with a .cmdline section added by objcopy.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** systemd-boot-efi's UKI stub: a real PE image without a .cmdline. */
export const UKI_STUB = '/usr/lib/systemd/boot/efi/linuxx64.efi.stub';

/** Writes a UKI at `file` with `cmdline` as its .cmdline section, laid out as ukify does; returns `file`. */
export function buildUki(file: string, cmdline: string): string {
  // The section's text goes to a scratch file, not beside the UKI: on an ESP it would be copied too.
  const scratch = mkdtempSync(join(tmpdir(), 'dualroot-uki-'));
  try {
    const text = join(scratch, 'cmdline');
    writeFileSync(text, cmdline);
    execFileSync('objcopy', [
      '--add-section',
      `.cmdline=${text}`,
      '--change-section-vma',
      '.cmdline=0x40000',
      UKI_STUB,
      file,
    ]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return file;
}
