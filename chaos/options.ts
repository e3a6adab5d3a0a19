/**
 * The chaos run's options from the command line. `--quick` is the CI preset (at least 25 s of
 * workload, 6 clients, faults 1 s apart on average, Kafka's first, going on until every kind landed
 * at least once); without flags the run writes at least 100,000 events. Bad flags throw a
 * ConfigError naming the flag.
 */
import { ConfigError } from '../lib/config/config-error.js';
import { read, RELAY } from '../lib/config/settings.js';

export type RelayKind = 'ts' | 'debezium';

export interface ChaosOptions {
  readonly quick: boolean;
  /** Stop the workload once this many outbox rows (events) were committed; ignored with durationS. */
  readonly events: number;
  /** Stop the workload after this many seconds instead of counting events. */
  readonly durationS: number | undefined;
  readonly clients: number;
  readonly seed: number;
  readonly relay: RelayKind;
  /** Mean seconds between two faults (each gap is drawn from 0.5×…1.5× of it). */
  readonly faultEveryS: number;
  /** Longest wait for quiescence after the workload, in seconds. */
  readonly quiesceTimeoutS: number;
  /** Keep the run's database afterwards (it is dropped when the run is clean). */
  readonly keepDatabase: boolean;
}

const USAGE =
  'usage: npm run chaos -- [--quick] [--events N] [--duration S] [--clients N] [--seed N] [--relay ts|debezium] [--fault-every S] [--keep-db]';

function positiveInt(flag: string, raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < 1)
    throw new ConfigError(`${flag} needs a whole number >= 1, got "${raw ?? ''}"\n${USAGE}`);
  return n;
}

function relayKind(raw: string | undefined, where: string): RelayKind {
  if (raw === 'ts' || raw === 'debezium') return raw;
  throw new ConfigError(`${where} must be ts or debezium, got "${raw ?? ''}"`);
}

/** `relay` is RELAY's value (read at start-up); `--relay` wins over it. */
export function parseOptions(argv: readonly string[], relay: string = read(RELAY)): ChaosOptions {
  const flags = new Map<string, string | undefined>();
  const valued = new Set(['--events', '--duration', '--clients', '--seed', '--relay', '--fault-every']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick' || a === '--keep-db') flags.set(a, 'true');
    else if (valued.has(a)) flags.set(a, argv[++i]);
    else throw new ConfigError(`unknown option "${a}"\n${USAGE}`);
  }
  const quick = flags.has('--quick');
  const durationS = flags.has('--duration')
    ? positiveInt('--duration', flags.get('--duration'))
    : quick
      ? 25
      : undefined;
  return Object.freeze({
    quick,
    events: flags.has('--events') ? positiveInt('--events', flags.get('--events')) : 100_000,
    durationS,
    clients: flags.has('--clients') ? positiveInt('--clients', flags.get('--clients')) : quick ? 6 : 12,
    seed: flags.has('--seed') ? positiveInt('--seed', flags.get('--seed')) : Math.floor(Math.random() * 2 ** 31) + 1,
    relay: flags.has('--relay') ? relayKind(flags.get('--relay'), '--relay') : relayKind(relay, 'RELAY'),
    // Quick: 1 s, so the eight short faults after Kafka's take ~15 s, not ~25 s. A crashed service
    // is restarted before the gap begins, and the next fault hits another kind (a bag round).
    faultEveryS: flags.has('--fault-every') ? positiveInt('--fault-every', flags.get('--fault-every')) : quick ? 1 : 10,
    quiesceTimeoutS: quick ? 300 : 900,
    keepDatabase: flags.has('--keep-db'),
  });
}
