/**
 * The configuration catalogue: every environment variable the project reads, each declared once
 * (name, kind, default, minimum, readers, secrecy, why) in the area files under `catalogue/`.
 * Code reads a setting with `read(SETTING)`; the README's table is generated from `SECTIONS`
 * (`npm run settings:table`).
 */
import * as api from './catalogue/api.js';
import * as connection from './catalogue/connection.js';
import * as consumers from './catalogue/consumers.js';
import * as debezium from './catalogue/debezium.js';
import * as relay from './catalogue/relay.js';
import * as runtime from './catalogue/runtime.js';
import * as stack from './catalogue/stack.js';
import * as tools from './catalogue/tools.js';
import type { Setting } from './setting.js';

export * from './catalogue/api.js';
export * from './catalogue/connection.js';
export * from './catalogue/consumers.js';
export * from './catalogue/debezium.js';
export * from './catalogue/relay.js';
export * from './catalogue/runtime.js';
export * from './catalogue/stack.js';
export * from './catalogue/tools.js';
export { read, readIfSet, type Setting } from './setting.js';

export interface Section {
  readonly title: string;
  readonly settings: readonly Setting[];
}

function isSetting(v: unknown): v is Setting {
  return typeof v === 'object' && v !== null && 'name' in v && 'parse' in v && 'default' in v;
}

/** An area file's settings, in name order (a module's exports have no other order). */
function settingsOf(area: Record<string, unknown>): Setting[] {
  return Object.values(area)
    .filter(isSetting)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The catalogue by area, in the README's order. */
export const SECTIONS: readonly Section[] = [
  { title: 'Connections (every client)', settings: settingsOf(connection) },
  { title: 'Logging and mode', settings: settingsOf(runtime) },
  { title: 'API', settings: settingsOf(api) },
  { title: 'TypeScript relay', settings: settingsOf(relay) },
  { title: 'Consumer groups', settings: settingsOf(consumers) },
  { title: 'Debezium relay', settings: settingsOf(debezium) },
  { title: 'Local stack', settings: settingsOf(stack) },
  { title: 'Tools', settings: settingsOf(tools) },
];

export const SETTINGS: readonly Setting[] = SECTIONS.flatMap((s) => s.settings);
