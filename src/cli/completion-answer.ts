// The answer to one Tab press (bash and zsh ask the program), and the fish script written at
// build time: both from the same CommandModel, so the three shells offer the same things.
import type { CommandModel, OptionModel, PositionalModel } from './completion-model.js';

/** One thing to offer; the description is shown by zsh and fish. */
export interface Offer {
  value: string;
  description?: string;
}

const startsWith = (prefix: string) => (o: Offer) => o.value.startsWith(prefix);

function findOption(ctx: CommandModel, word: string): OptionModel | undefined {
  if (word.startsWith('--')) {
    const name = word.slice(2).split('=')[0];
    return ctx.options.find((o) => o.name === name);
  }
  return ctx.options.find((o) => o.short.includes(word.slice(1)));
}

function values(
  of: OptionModel | PositionalModel,
  prefix: string,
  devices: () => string[],
): Offer[] | undefined {
  if (of.choices) return of.choices.map((value) => ({ value })).filter(startsWith(prefix));
  if (of.values === 'device')
    return devices()
      .map((value) => ({ value }))
      .filter(startsWith(prefix));
  return undefined;
}

/**
 * What to offer for the last of `words` (the command line up to the cursor, program name first,
 * the word being completed last, possibly empty). An empty answer lets the shell complete file
 * names, which is right for a value with no fixed set (--config FILE). `devices` is called only
 * when a DEVICE is wanted.
 */
export function complete(model: CommandModel, words: string[], devices: () => string[]): Offer[] {
  const args = words.slice(1);
  const current = args.pop() ?? '';
  let ctx = model;
  let expecting: OptionModel | undefined;
  let positional = 0;
  let dashes = false;
  const used = new Set<string>();
  for (const word of args) {
    if (expecting) {
      // bash splits `--io-class=idle` at the '=' into three words.
      if (word !== '=') expecting = undefined;
      continue;
    }
    if (!dashes && word === '--') dashes = true;
    else if (!dashes && word.startsWith('-') && word !== '-') {
      const option = findOption(ctx, word);
      if (option) used.add(option.name);
      if (option?.takesValue && !word.includes('=')) expecting = option;
    } else {
      const sub = positional === 0 ? ctx.commands.find((c) => c.name === word) : undefined;
      if (sub) ctx = sub;
      else positional++;
    }
  }
  if (expecting) return values(expecting, current, devices) ?? [];
  if (!dashes && current.startsWith('--') && current.includes('=')) {
    const option = findOption(ctx, current);
    const at = current.indexOf('=');
    const offered = option && values(option, current.slice(at + 1), devices);
    return (offered ?? []).map((o) => ({ value: `${current.slice(0, at + 1)}${o.value}` }));
  }
  const options = () =>
    ctx.options
      .filter((o) => !used.has(o.name))
      .map((o) => ({ value: `--${o.name}`, description: o.description }))
      .filter(startsWith(current));
  if (!dashes && current.startsWith('-')) return options();
  if (positional === 0 && ctx.commands.length > 0)
    return ctx.commands
      .map((c) => ({ value: c.name, description: c.description }))
      .filter(startsWith(current));
  const wanted = ctx.positionals[positional];
  if (wanted) return values(wanted, current, devices) ?? [];
  // Nothing positional here: show what can be given (yargs does the same).
  return current === '' && !dashes ? options() : [];
}

/** An offer as the zsh script's `_describe` reads it (value:description, colons in the value escaped). */
export function zshLine(offer: Offer): string {
  const value = offer.value.replace(/:/g, '\\:');
  return offer.description ? `${value}:${offer.description}` : value;
}

const fishQuote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The fish completions of a program, from its model. Fixed sets are written into the script;
 * devices are asked of the program (the same answer bash and zsh get).
 */
export function fishScript(model: CommandModel): string {
  const program = model.name;
  const ask = `(${program} --get-yargs-completions (commandline -opc) "$(commandline -ct)")`;
  const lines = [
    `# fish completions for ${program}, generated from its yargs definitions (${program} completion fish).`,
    `complete -c ${program} -f`,
  ];
  const walk = (ctx: CommandModel, path: string[]) => {
    const seen = path.map((word) => `__fish_seen_subcommand_from ${word}`);
    const here = [...seen];
    if (ctx.commands.length > 0)
      here.push(`not __fish_seen_subcommand_from ${ctx.commands.map((c) => c.name).join(' ')}`);
    const when = here.length > 0 ? ` -n ${fishQuote(here.join('; and '))}` : '';
    for (const c of ctx.commands)
      lines.push(`complete -c ${program}${when} -a ${c.name} -d ${fishQuote(c.description)}`);
    for (const o of ctx.options) {
      const names = [...o.short.map((s) => `-s ${s}`), ...[o.name, ...o.long].map((l) => `-l ${l}`)].join(
        ' ',
      );
      let value = '';
      if (o.choices) value = ` -x -a ${fishQuote(o.choices.join(' '))}`;
      else if (o.takesValue && o.values === 'device') value = ` -x -a ${fishQuote(ask)}`;
      else if (o.takesValue) value = ' -r -F';
      lines.push(`complete -c ${program}${when} ${names}${value} -d ${fishQuote(o.description)}`);
    }
    for (const p of ctx.positionals) {
      if (p.choices) lines.push(`complete -c ${program}${when} -a ${fishQuote(p.choices.join(' '))}`);
      else if (p.values === 'device') lines.push(`complete -c ${program}${when} -a ${fishQuote(ask)}`);
    }
    for (const c of ctx.commands) walk(c, [...path, c.name]);
  };
  walk(model, []);
  return `${lines.join('\n')}\n`;
}
