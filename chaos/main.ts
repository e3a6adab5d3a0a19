/**
 * `npm run chaos [-- --quick | --events N | --duration S | --clients N | --seed N | --relay ts|debezium]`:
 * drives the public API while killing and restarting services, Kafka and Connect and pausing
 * PostgreSQL, then proves from the database and from Kafka that nothing was lost, reordered,
 * applied twice or dead-lettered by accident (chaos/README.md). Progress goes to stderr; stdout
 * gets the summary and, on its last line, the same as one JSON object. Exit 0 when clean, 1 on any
 * violation, 2 when the harness itself failed (bad flags, a stack that will not come up).
 */
import { runChaos } from './chaos-run.js';
import { parseOptions } from './options.js';
import { formatSummary, summaryJson } from './summary.js';
import { installKafkajsPatches } from '../lib/patches/kafkajs.js';

async function main(): Promise<number> {
  installKafkajsPatches();
  const options = parseOptions(process.argv.slice(2));
  // Stack and preparation helpers log to stdout; stdout is reserved for the summary and its JSON.
  const print = (text: string) => process.stdout.write(`${text}\n`);
  console.log = (...args: unknown[]) => console.error(...args);
  const report = await runChaos(options);
  print(formatSummary(report));
  print(summaryJson(report));
  return report.verdict.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`[chaos] harness error: ${err.message}`);
    process.exit(2);
  },
);
