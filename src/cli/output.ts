import { fstatSync } from 'node:fs';

/** Where a program writes; tests pass their own. */
export interface Io {
  env: NodeJS.ProcessEnv;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

/** The real process streams; a stream whose reader went away is dropped, not a crash. */
export function processIo(): Io {
  const line = (stream: NodeJS.WriteStream) => {
    let closed = false;
    // EPIPE (dualroot-esp | head -2): nobody reads the rest. The run itself goes on to its end and
    // its exit code, so a sync is never cut short by a closed terminal or pager.
    stream.on('error', () => {
      closed = true;
    });
    return (text: string) => {
      if (!closed) stream.write(`${text}\n`);
    };
  };
  return { env: process.env, stdout: line(process.stdout), stderr: line(process.stderr) };
}

/** True when stderr is the journal stream named by JOURNAL_STREAM (systemd.exec(5)). */
export function stderrIsJournal(env: NodeJS.ProcessEnv): boolean {
  const stream = env.JOURNAL_STREAM;
  if (!stream) return false;
  try {
    const st = fstatSync(2);
    return stream === `${st.dev}:${st.ino}`;
  } catch {
    return false;
  }
}

/** Leveled, one-line-per-message output; `<N>` syslog prefixes when writing to the journal. */
export class Logger {
  private readonly journal: boolean;
  constructor(
    private readonly io: Io,
    private readonly program: string,
    private readonly quiet = false,
  ) {
    this.journal = stderrIsJournal(io.env);
  }
  private prefix(level: number) {
    return this.journal ? `<${level}>` : '';
  }
  /** Normal output (stdout); suppressed by --quiet. */
  info(line: string) {
    if (!this.quiet) this.io.stdout(`${this.prefix(6)}${line}`);
  }
  /** Data for programs (JSON); never suppressed, never prefixed. */
  data(text: string) {
    this.io.stdout(text);
  }
  warn(line: string) {
    this.io.stderr(`${this.prefix(4)}${this.journal ? '' : `${this.program}: warning: `}${line}`);
  }
  error(line: string) {
    this.io.stderr(`${this.prefix(3)}${this.journal ? '' : `${this.program}: error: `}${line}`);
  }
}
