// Starting QEMU for the lab: the command line of one boot (OVMF, fw_cfg steps, disks in fixed PCI
// slots with optional per-drive options) and running it with its serial console collected.
import { spawn } from 'node:child_process';

/** One attached disk: its slot (PCI address 0x4 + slot), image and extra -drive options. */
export interface QemuDisk {
  slot: number;
  file: string;
  options: string | undefined;
}

/** QEMU's arguments for one boot. */
export function qemuArgs(o: {
  ovmfCode: string;
  vars: string;
  stepsFile: string;
  disks: QemuDisk[];
}): string[] {
  const args = [
    ...['-accel', 'tcg', '-machine', 'pc', '-cpu', 'max', '-smp', '2', '-m', '1024'],
    ...['-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-nic', 'none', '-no-reboot'],
    ...['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${o.ovmfCode}`],
    ...['-drive', `if=pflash,format=raw,unit=1,file=${o.vars}`],
    ...['-fw_cfg', `name=opt/dualroot/steps,file=${o.stepsFile}`],
  ];
  // Fixed PCI slots: removing disk 0 must not move disk 1, as on real hardware.
  for (const d of o.disks) {
    args.push(
      '-drive',
      `file=${d.file},format=raw,if=none,id=disk${d.slot}${d.options ? `,${d.options}` : ''}`,
      '-device',
      `virtio-blk-pci,drive=disk${d.slot},addr=${(0x4 + d.slot).toString(16)}`,
    );
  }
  return args;
}

/** How runQemu stops QEMU besides its powering off. */
export interface RunOptions {
  timeoutMs: number;
  /** Stop 5 s after this matches the console. */
  stopOn: RegExp | undefined;
  /** Stop 2 s after this matches (the UEFI Shell never powers off). */
  stopOnShell: RegExp;
  /** SIGKILL at once when this returns true for the console so far: a power cut. */
  cut: ((console: string) => boolean) | undefined;
}

/** Runs QEMU, collecting its serial output; kills it at the timeout, the Shell, stopOn or a cut. */
export function runQemu(
  args: string[],
  { timeoutMs, stopOn, stopOnShell, cut }: RunOptions,
): Promise<{ raw: string; timedOut: boolean; stoppedOn?: string; cut: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let raw = '';
    let timedOut = false;
    let shellSeen = false;
    let stoppedOn: string | undefined;
    let wasCut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      raw += chunk.toString('latin1');
      if (!wasCut && cut?.(raw)) {
        wasCut = true;
        child.kill('SIGKILL');
      }
      // The Shell never powers off by itself: stop once it is certain (prompt or banner seen).
      if (!shellSeen && stopOnShell.test(raw)) {
        shellSeen = true;
        setTimeout(() => child.kill('SIGKILL'), 2000);
      }
      const stop = stopOn && stoppedOn === undefined ? stopOn.exec(raw) : null;
      if (stop) {
        stoppedOn = stop[0];
        setTimeout(() => child.kill('SIGKILL'), 5000);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      raw += `\n@@QEMU-STDERR ${chunk.toString('latin1')}`;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start qemu-system-x86_64: ${error.message}`));
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolvePromise({ raw, timedOut, stoppedOn, cut: wasCut });
    });
  });
}
