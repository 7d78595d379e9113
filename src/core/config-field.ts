import { isAbsolute, posix } from 'node:path';
import { ConfigError } from './errors.js';

/** One key's raw value as ini parsed it, read as the type its section parser wants. */
export interface Field {
  bool(): boolean | undefined;
  number(min: number, max: number): number | undefined;
  path(): string | undefined;
  paths(): string[] | undefined;
  list(): string[] | undefined;
  text(): string | undefined;
  /** A ConfigError naming this file, section and key. */
  error(problem: string, hint?: string): ConfigError;
}

/** The reader of one key of a section; every problem names file, section and key. */
export function field(file: string, section: string, key: string, raw: unknown, line?: number): Field {
  const error = (problem: string, hint?: string) =>
    new ConfigError({ file, line, section, key }, problem, hint);
  const text = (): string | undefined => {
    if (raw === undefined) return undefined;
    if (Array.isArray(raw)) return raw.map(String).join(',');
    return String(raw).trim();
  };
  const list = () =>
    text()
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const checkPath = (p: string) => {
    if (!isAbsolute(p)) throw error(`"${p}" is a relative path`, 'use an absolute path (starting with /)');
    const normal = posix.normalize(p);
    return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
  };
  return {
    text,
    list,
    error,
    bool() {
      if (raw === undefined) return undefined;
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(s)) return true;
      if (['false', 'no', 'off', '0'].includes(s)) return false;
      throw error(`"${String(raw)}" is not a boolean`, 'use true or false');
    },
    number(min, max) {
      const v = text();
      if (v === undefined) return undefined;
      const n = Number(v);
      if (v === '' || !Number.isFinite(n) || n < min || n > max)
        throw error(`"${v}" is not a number from ${min} to ${max}`, `set a number from ${min} to ${max}`);
      return n;
    },
    path() {
      const v = text();
      return v === undefined ? undefined : checkPath(v);
    },
    paths() {
      return list()?.map(checkPath);
    },
  };
}
