import { ConfigError } from './config-error.js';
import { bool, int, list, perReader, read, readIfSet, str, unset } from './setting.js';
import {
  CONNECT_URL,
  DATABASE_URL,
  KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL,
  SECTIONS,
  SETTINGS,
  STACK_PG_PORT,
} from './settings.js';

/** Runs `f` with exactly these catalogue variables set (the others unset), then restores the environment. */
function withEnv<T>(env: Record<string, string>, f: () => T): T {
  const saved = { ...process.env };
  for (const s of SETTINGS) delete process.env[s.name];
  for (const k of ['T_INT', 'T_BOOL', 'T_LIST', 'T_STR']) delete process.env[k];
  Object.assign(process.env, env);
  try {
    return f();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

describe('the catalogue', () => {
  it('declares each variable once, with a reason and a reader', () => {
    const names = SETTINGS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SETTINGS) {
      expect(s.name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(s.description.length).toBeGreaterThan(10);
      expect(s.readBy.length).toBeGreaterThan(0);
    }
    expect(SECTIONS.every((sec) => sec.settings.length > 0)).toBe(true);
  });

  it("derives the clients' defaults from the stack's ports, as documented", () => {
    withEnv({}, () => {
      expect(read(DATABASE_URL)).toBe('postgresql://postgres@127.0.0.1:5433/todo');
      expect(read(KAFKA_BROKERS)).toEqual(['127.0.0.1:9092', '127.0.0.1:9094', '127.0.0.1:9096']);
      expect(read(SCHEMA_REGISTRY_URL)).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
      expect(read(CONNECT_URL)).toBe('http://127.0.0.1:8083');
      for (const s of [DATABASE_URL, SCHEMA_REGISTRY_URL, CONNECT_URL])
        expect(s.default.doc).toContain(`\`${String(read(s))}\``);
      expect(KAFKA_BROKERS.default.doc).toContain(`\`${read(KAFKA_BROKERS).join(',')}\``);
    });
    withEnv({ STACK_PG_PORT: '6000', KAFKA_PORT: '19092', STACK_KAFKA_NODES: '1', REGISTRY_PORT: '18081' }, () => {
      expect(read(DATABASE_URL)).toBe('postgresql://postgres@127.0.0.1:6000/todo');
      expect(read(KAFKA_BROKERS)).toEqual(['127.0.0.1:19092']);
      expect(read(SCHEMA_REGISTRY_URL)).toBe('http://127.0.0.1:18081/apis/ccompat/v7');
    });
  });

  it('tells a set variable apart from the default', () => {
    withEnv({}, () => expect(readIfSet(DATABASE_URL)).toBeUndefined());
    withEnv({ DATABASE_URL: 'postgresql://db/x' }, () => expect(readIfSet(DATABASE_URL)).toBe('postgresql://db/x'));
  });
});

describe('reading a setting', () => {
  const meta = { description: 'a setting for the tests', readBy: ['api' as const] };
  const T_INT = int('T_INT', { ...meta, default: 7, min: 2 });
  const T_BOOL = bool('T_BOOL', { ...meta, default: false });
  const T_LIST = list('T_LIST', { ...meta, default: ['a'] });
  const T_STR = str('T_STR', { ...meta, default: unset('nothing') });
  const T_PER = str('T_STR', { ...meta, default: perReader('the caller') });

  it('uses the default when unset or empty', () => {
    withEnv({}, () =>
      expect([read(T_INT), read(T_BOOL), read(T_LIST), read(T_STR)]).toEqual([7, false, ['a'], undefined]),
    );
    withEnv({ T_INT: '', T_STR: '' }, () => expect([read(T_INT), read(T_STR)]).toEqual([7, undefined]));
    withEnv({}, () => expect(read(T_PER, 'mine')).toBe('mine'));
  });

  it('parses a set value', () => {
    withEnv({ T_INT: '12', T_BOOL: 'Yes', T_LIST: ' x , y ,', T_STR: 'v' }, () => {
      expect([read(T_INT), read(T_BOOL), read(T_LIST), read(T_STR), read(T_PER, 'mine')]).toEqual([
        12,
        true,
        ['x', 'y'],
        'v',
        'v',
      ]);
    });
  });

  it('refuses a bad value with a ConfigError naming the variable', () => {
    withEnv({ T_INT: '1' }, () =>
      expect(() => read(T_INT)).toThrow(new ConfigError('T_INT must be an integer >= 2, got "1"')),
    );
    withEnv({ T_INT: '2.5' }, () => expect(() => read(T_INT)).toThrow(ConfigError));
    withEnv({ T_BOOL: 'maybe' }, () => expect(() => read(T_BOOL)).toThrow('T_BOOL must be true or false, got "maybe"'));
    withEnv({ STACK_PG_PORT: '0' }, () => expect(() => read(DATABASE_URL)).toThrow(/^STACK_PG_PORT must be/));
    expect(STACK_PG_PORT.min).toBe(1);
  });
});
