import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  bootVariableName,
  EFI_GLOBAL_GUID,
  type EfivarsState,
  efivarName,
  LOADER_GUID,
  type LoadOption,
  loadOptionPartitionGuid,
  parseBootCurrent,
  parseBootOrder,
  parseLoaderDevicePartUuid,
  parseLoadOption,
} from '../core/efivars.js';
import type { FirmwareEvidence } from '../core/esp.js';

/** True when the machine was booted with UEFI (its efivarfs directory exists). */
export function isUefi(efivarsDir: string): boolean {
  return existsSync(efivarsDir);
}

/** Whether the efivarfs path is a directory, missing, or something else (a file given by mistake). */
export function efivarsState(efivarsDir: string): EfivarsState {
  try {
    return statSync(efivarsDir).isDirectory() ? 'ok' : 'not-directory';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'not-directory';
  }
}

/** Raw efivarfs file of a variable, or undefined when it does not exist. */
export function readVariable(efivarsDir: string, name: string, vendor: string): Buffer | undefined {
  try {
    return readFileSync(join(efivarsDir, efivarName(name, vendor)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Names of the Boot#### variables present, as option numbers. */
export function listBootOptions(efivarsDir: string): number[] {
  const suffix = `-${EFI_GLOBAL_GUID}`;
  return readdirSync(efivarsDir)
    .filter((f) => /^Boot[0-9A-Fa-f]{4}-/.test(f) && f.toLowerCase().endsWith(suffix))
    .map((f) => Number.parseInt(f.slice(4, 8), 16))
    .sort((a, b) => a - b);
}

/** Reads the variables that say which ESP was booted; malformed ones become problems, not crashes. */
export function readFirmwareEvidence(efivarsDir: string): FirmwareEvidence {
  const evidence: FirmwareEvidence = {
    efivarsDir,
    efivarsState: efivarsState(efivarsDir),
    loaderDevicePartUuid: undefined,
    bootCurrent: undefined,
    bootCurrentPartUuid: undefined,
  };
  if (evidence.efivarsState !== 'ok') return evidence;
  let loader: Buffer | undefined;
  try {
    loader = readVariable(efivarsDir, 'LoaderDevicePartUUID', LOADER_GUID);
  } catch (error) {
    evidence.loaderProblem = `unreadable (${(error as Error).message})`;
  }
  if (loader) {
    try {
      evidence.loaderDevicePartUuid = parseLoaderDevicePartUuid(loader);
      if (!evidence.loaderDevicePartUuid) evidence.loaderProblem = 'present but not a GUID';
    } catch (error) {
      evidence.loaderProblem = `unreadable (${(error as Error).message})`;
    }
  }
  try {
    const current = readVariable(efivarsDir, 'BootCurrent', EFI_GLOBAL_GUID);
    if (current) {
      evidence.bootCurrent = parseBootCurrent(current);
      const name = bootVariableName(evidence.bootCurrent);
      const option = readVariable(efivarsDir, name, EFI_GLOBAL_GUID);
      if (!option) evidence.bootCurrentProblem = `${name} does not exist`;
      else {
        const parsed = parseLoadOption(option);
        evidence.bootCurrentPartUuid = loadOptionPartitionGuid(parsed);
        if (!evidence.bootCurrentPartUuid) {
          evidence.bootCurrentProblem = `${name} ("${parsed.description}") has no Hard Drive node: no evidence`;
        }
      }
    }
  } catch (error) {
    evidence.bootCurrentProblem = `unreadable (${(error as Error).message})`;
  }
  return evidence;
}

/** BootOrder and every readable Boot#### option; unreadable ones are listed as problems. */
export function readBootOptions(efivarsDir: string): {
  order: number[];
  options: Map<number, LoadOption>;
  problems: string[];
} {
  const problems: string[] = [];
  const orderFile = readVariable(efivarsDir, 'BootOrder', EFI_GLOBAL_GUID);
  const order = orderFile ? parseBootOrder(orderFile) : [];
  if (!orderFile) problems.push('BootOrder does not exist');
  const options = new Map<number, LoadOption>();
  for (const num of listBootOptions(efivarsDir)) {
    const name = bootVariableName(num);
    try {
      const file = readVariable(efivarsDir, name, EFI_GLOBAL_GUID);
      if (file) options.set(num, parseLoadOption(file));
    } catch (error) {
      problems.push(`${name} is unreadable: ${(error as Error).message}`);
    }
  }
  return { order, options, problems };
}
