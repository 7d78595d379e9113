import { execa } from 'execa';

/** Runs efibootmgr with an argument array; throws with its own message when it fails. */
export async function runEfibootmgr(args: string[]): Promise<string> {
  const result = await execa('efibootmgr', args, { reject: false });
  if (result.exitCode !== 0) {
    const detail = String(result.stderr).trim() || String(result.stdout).trim() || result.shortMessage;
    throw new Error(`efibootmgr ${args.join(' ')} failed (exit ${result.exitCode ?? '?'}): ${detail}`);
  }
  return String(result.stdout);
}
