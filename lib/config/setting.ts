/**
 * What one setting is (an environment variable with a kind, a default, its readers and a reason)
 * and the one place that reads `process.env` for it. The catalogue (settings.ts) declares each
 * setting once with the constructors below; services read them with `read` in the config
 * functions their `main` calls, never at import time.
 */
import { ConfigError } from './config-error.js';

/** Who reads a setting: the services, the local stack, the other npm commands, the benchmarks and chaos run. */
export type Runnable = 'api' | 'relay' | 'consumers' | 'debezium' | 'stack' | 'tools' | 'bench' | 'chaos';

/** The product services and the commands that talk to the same database and Kafka. */
export const EVERY_CLIENT: readonly Runnable[] = ['api', 'relay', 'consumers', 'debezium', 'tools', 'bench', 'chaos'];

/** What the value is; the integer kinds share one parser and differ in what the table says. */
export type Kind = 'string' | 'url' | 'path' | 'list' | 'bool' | 'int' | 'port' | 'duration-ms' | 'duration-s';

/** A value computed when the variable is unset: from other settings or the machine. */
export interface Derived<T> {
  readonly tag: 'derived';
  /** The default as the table shows it, e.g. `http://127.0.0.1:<CONNECT_PORT>`. */
  readonly doc: string;
  readonly derive: () => T;
}

/** No default: unset means absent, and `doc` says what happens then. */
export interface Unset {
  readonly tag: 'unset';
  readonly doc: string;
}

/** The default depends on who reads (the consumer group, the database): the reader passes it. */
export interface PerReader {
  readonly tag: 'per-reader';
  readonly doc: string;
}

export interface Fixed<T> {
  readonly tag: 'fixed';
  readonly value: T;
}

export type Default<T> = Fixed<T> | Derived<T> | Unset | PerReader;

export interface Setting<T = unknown, D extends Default<T> = Default<T>> {
  readonly name: string;
  readonly kind: Kind;
  /** Why the setting exists, in one line. */
  readonly description: string;
  readonly readBy: readonly Runnable[];
  /** Never printed: passwords, keys. */
  readonly secret: boolean;
  /** Smallest accepted value (integer kinds). */
  readonly min?: number;
  readonly default: D;
  /** Turns a set (non-empty) value into T; throws ConfigError naming the variable. */
  readonly parse: (raw: string) => T;
}

export const derived = <T>(doc: string, derive: () => T): Derived<T> => ({ tag: 'derived', doc, derive });
export const unset = (doc: string): Unset => ({ tag: 'unset', doc });
export const perReader = (doc: string): PerReader => ({ tag: 'per-reader', doc });

interface Meta {
  readonly description: string;
  readonly readBy: readonly Runnable[];
  readonly secret?: boolean;
}

/** A plain value becomes Fixed; the tagged defaults stay as they are. */
type Normal<T, D> = D extends Derived<T> | Unset | PerReader ? D : Fixed<T>;

function normal<T, D extends T | Derived<T> | Unset | PerReader>(d: D): Normal<T, D> {
  const tagged = typeof d === 'object' && d !== null && !Array.isArray(d) && 'tag' in d;
  return (tagged ? d : { tag: 'fixed', value: d }) as Normal<T, D>;
}

function make<T, D extends T | Derived<T> | Unset | PerReader>(
  name: string,
  kind: Kind,
  spec: Meta & { default: D; min?: number },
  parse: (raw: string) => T,
): Setting<T, Normal<T, D>> {
  return Object.freeze({
    name,
    kind,
    description: spec.description,
    readBy: spec.readBy,
    secret: spec.secret ?? false,
    ...(spec.min === undefined ? {} : { min: spec.min }),
    default: normal<T, D>(spec.default),
    parse,
  });
}

export function str<D extends string | Derived<string> | Unset | PerReader>(
  name: string,
  spec: Meta & { default: D; kind?: 'string' | 'url' | 'path' },
): Setting<string, Normal<string, D>> {
  return make(name, spec.kind ?? 'string', spec, (raw) => raw);
}

/** Comma-separated; blanks around items and empty items are dropped. */
export function list<D extends string[] | Derived<string[]> | Unset | PerReader>(
  name: string,
  spec: Meta & { default: D },
): Setting<string[], Normal<string[], D>> {
  return make(name, 'list', spec, (raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

export function int<D extends number | Derived<number> | Unset | PerReader>(
  name: string,
  spec: Meta & { default: D; min?: number; kind?: 'int' | 'port' | 'duration-ms' | 'duration-s' },
): Setting<number, Normal<number, D>> {
  const min = spec.min ?? 0;
  return make(name, spec.kind ?? 'int', { ...spec, min }, (raw) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
    return n;
  });
}

export function bool<D extends boolean | Derived<boolean> | Unset | PerReader>(
  name: string,
  spec: Meta & { default: D },
): Setting<boolean, Normal<boolean, D>> {
  return make(name, 'bool', spec, (raw) => {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError(`${name} must be true or false, got "${raw}"`);
  });
}

/** The variable's value when set; an empty value counts as unset (as a blank line in an env file means). */
function raw(s: Setting<unknown, Default<unknown>>): string | undefined {
  const v = process.env[s.name];
  return v === undefined || v === '' ? undefined : v;
}

/** The setting's value: the variable's when set, else its default (the reader passes it for per-reader defaults). */
export function read<T>(s: Setting<T, Fixed<T> | Derived<T>>): T;
export function read<T>(s: Setting<T, Unset>): T | undefined;
export function read<T>(s: Setting<T, PerReader>, fallback: T): T;
export function read<T>(s: Setting<T, Default<T>>, fallback?: T): T | undefined {
  const v = raw(s);
  if (v !== undefined) return s.parse(v);
  switch (s.default.tag) {
    case 'fixed':
      return s.default.value;
    case 'derived':
      return s.default.derive();
    case 'unset':
      return undefined;
    case 'per-reader':
      return fallback;
  }
}

/** The value only when the variable is set: for readers that behave differently then (bring-your-own database). */
export function readIfSet<T>(s: Setting<T, Default<T>>): T | undefined {
  const v = raw(s);
  return v === undefined ? undefined : s.parse(v);
}
