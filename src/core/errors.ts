/** Exit codes shared by every dualroot program: 0 ok, 1 failure, 2 bad usage or configuration, 3 degraded (redundancy lost). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  degraded: 3,
} as const;

/** Base of every error dualroot reports on purpose; `hint` says what to do about it. */
export class DualrootError extends Error {
  readonly exitCode: number = ExitCode.failure;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Something could not be done (exit 1). */
export class FailureError extends DualrootError {}

/** Bad command line (exit 2). */
export class UsageError extends DualrootError {
  override readonly exitCode: number = ExitCode.usage;
}

/** Where in the configuration a problem is: the file, and the section and key when it is one of them. */
export interface ConfigPlace {
  file: string;
  section?: string | undefined;
  key?: string | undefined;
  /** Line number in the file (1-based), when the problem is on one line. */
  line?: number | undefined;
}

/** Bad or unsafe configuration; names file, section and key (exit 2). */
export class ConfigError extends DualrootError {
  override readonly exitCode: number = ExitCode.usage;
  readonly file: string;
  readonly section: string | undefined;
  readonly key: string | undefined;
  readonly line: number | undefined;
  constructor(place: ConfigPlace, problem: string, hint?: string) {
    const { file, section, key, line } = place;
    const where = [
      file,
      line === undefined ? undefined : `line ${line}`,
      section === undefined ? undefined : `[${section}]`,
      key,
    ]
      .filter(Boolean)
      .join(' ');
    super(`${where}: ${problem}`, hint);
    this.file = file;
    this.section = section;
    this.key = key;
    this.line = line;
  }
}

/** "problem; fix: hint", the one-line form of a problem and its fix (just the problem without a hint). */
export function withFix(problem: string, hint: string | undefined): string {
  return hint ? `${problem}; fix: ${hint}` : problem;
}

/** An error's message, with its fix when it is a DualrootError that has one. */
export function errorWithFix(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return withFix(message, error instanceof DualrootError ? error.hint : undefined);
}
