/** The npm commands around the product: `npm start`, the chaos run, the benchmarks, the chart checker. */
import { str, unset } from '../setting.js';

export const RELAY = str('RELAY', {
  default: 'ts',
  readBy: ['tools', 'chaos'],
  description: 'which relay `npm start` and `npm run chaos` run: `ts` (relay/) or `debezium` (Kafka Connect)',
});

export const BENCH_CPU_PROF = str('BENCH_CPU_PROF', {
  kind: 'path',
  default: unset('no profiles'),
  readBy: ['bench'],
  description: 'a folder where each benchmarked service writes V8 CPU profiles when it exits',
});

export const K8S_CHECK_JAVA = str('K8S_CHECK_JAVA', {
  kind: 'path',
  default: unset("JAVA_HOME's, else `java` on the PATH"),
  readBy: ['tools'],
  description: 'the `java` binary `npm run k8s:check` validates the chart with',
});

export const K8S_CRD_JAVA_HOME = str('K8S_CRD_JAVA_HOME', {
  kind: 'path',
  default: unset('JAVA_HOME, the PATH, then `/usr/lib/jvm`'),
  readBy: ['tools'],
  description: "a Java 21+ for regenerating the chart checker's CRD schemas",
});
