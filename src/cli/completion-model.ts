// What a program's command line accepts, read from its yargs parser (the one --help prints), for
// the shell completions: options, their value sets, subcommands and positionals.
import type { Argv } from 'yargs';

/** Where an option's or positional's values come from when they are not a fixed list. */
export type ValueSource = 'file' | 'device';

/** One option: its long name, short and long aliases, description and what its value is. */
export interface OptionModel {
  name: string;
  short: string[];
  /** Other long names (--dry-run for --test); yargs' camelCase twins are not among them. */
  long: string[];
  description: string;
  /** Booleans take no value; everything else does. */
  takesValue: boolean;
  choices: string[] | undefined;
  values: ValueSource;
}

/** One positional argument, in command-line order. */
export interface PositionalModel {
  name: string;
  choices: string[] | undefined;
  values: ValueSource;
}

/** A program or one of its subcommands. */
export interface CommandModel {
  /** The program name, or the subcommand word. */
  name: string;
  description: string;
  options: OptionModel[];
  positionals: PositionalModel[];
  commands: CommandModel[];
}

// The parts of yargs' parser that @types/yargs does not declare; its own completion reads the same.
interface YargsInternals {
  getOptions(): {
    key: Record<string, unknown>;
    alias: Record<string, string[]>;
    boolean: string[];
    choices: Record<string, string[]>;
    hiddenOptions: string[];
  };
  getGroups(): Record<string, string[]>;
  getInternalMethods(): {
    getUsageInstance(): {
      getDescriptions(): Record<string, string | undefined>;
      getPositionalGroupName(): string;
    };
    getCommandInstance(): {
      getCommandHandlers(): Record<
        string,
        { original: string; description: string | false; builder: unknown }
      >;
    };
  };
}

/** Makes a subcommand's parser: the shared options plus what its builder adds. */
export type SubParser = (
  name: string,
  describe: string,
  builder: (y: Argv<unknown>) => Argv<unknown>,
) => Argv<unknown>;

/** A positional or option named like this takes a block device (dualroot-disk's DEVICE). */
const DEVICE_NAMES = new Set(['device', 'disk']);

const clean = (text: string | undefined) =>
  (text ?? '').replace('__yargsString__:', '').replace(/\s+/g, ' ').trim();

/**
 * The model of a parser. `sub(name, describe, builder)` makes a subcommand's parser (the shared
 * options plus what its builder adds), so a subcommand is read exactly as it is run.
 */
export function commandModel(
  name: string,
  description: string,
  parser: Argv<unknown>,
  sub: SubParser,
  /** A subcommand's declared positionals, in order: `add <device>` gives ['device']. */
  declared: string[] = [],
): CommandModel {
  const y = parser as unknown as YargsInternals;
  const o = y.getOptions();
  const usage = y.getInternalMethods().getUsageInstance();
  const descriptions = usage.getDescriptions();
  const positionalKeys = [
    ...new Set([...declared, ...(y.getGroups()[usage.getPositionalGroupName()] ?? [])]),
  ];
  const aliasOf = new Set(Object.values(o.alias).flat());
  const options: OptionModel[] = [];
  for (const key of Object.keys(o.key)) {
    // yargs lists each alias as a key too (and camelCase twins of kebab-case names).
    if (aliasOf.has(key) || positionalKeys.includes(key) || o.hiddenOptions.includes(key)) continue;
    const aliases = o.alias[key] ?? [];
    options.push({
      name: key,
      short: aliases.filter((a) => a.length === 1),
      long: aliases.filter((a) => a.length > 1 && !/[A-Z]/.test(a)),
      description: clean(descriptions[key]),
      takesValue: !o.boolean.includes(key),
      choices: o.choices[key],
      values: DEVICE_NAMES.has(key) ? 'device' : 'file',
    });
  }
  const positionals = positionalKeys.map((key) => ({
    name: key,
    choices: o.choices[key],
    values: DEVICE_NAMES.has(key) ? ('device' as const) : ('file' as const),
  }));
  const handlers = y.getInternalMethods().getCommandInstance().getCommandHandlers();
  const commands = Object.entries(handlers)
    .filter(([, h]) => h.description !== false && typeof h.builder === 'function')
    .map(([word, h]) => {
      const describe = clean(h.description || '');
      const builder = h.builder as (y: Argv<unknown>) => Argv<unknown>;
      const words = [...h.original.matchAll(/[<[]([\w-]+)(?:\.\.)?[>\]]/g)].map((m) => m[1]!);
      return commandModel(word, describe, sub(word, describe, builder), sub, words);
    });
  return { name, description, options, positionals, commands };
}
