/** The human summary of a chaos run; the same facts follow as one JSON object on the last line. */
import type { ChaosReport } from './chaos-run.js';

export function formatSummary(r: ChaosReport): string {
  const v = r.verdict;
  const faults =
    Object.entries(r.faults)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  const lines = [
    `chaos run ${r.runId} (relay ${r.relay}, seed ${r.seed}, ${r.clients} clients, database ${r.database})`,
    `  workload      ${r.workloadSeconds.toFixed(0)} s; requests ok ${r.requests.ok}, 4xx ${r.requests.clientErrors}, retried ${r.requests.retries}, gave up ${r.requests.gaveUp}`,
    `  quiescence    ${r.quiesced ? `reached after ${r.quiesceSeconds.toFixed(0)} s` : `NOT reached within ${r.quiesceSeconds.toFixed(0)} s`}`,
    `  events        ${v.eventsWritten} committed (${Object.entries(v.eventsByTopic)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}); ${v.kafkaRecords} Kafka records, ${v.redelivered} redelivered`,
    `  faults        ${r.faultsTotal}: ${faults}`,
    `  unplanned     ${
      Object.entries(r.unplannedExits)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    } (services that exited on their own and were restarted)`,
    `  lost          ${v.lost}${v.unexpectedInKafka ? ` (and ${v.unexpectedInKafka} in Kafka never committed)` : ''}`,
    `  out of order  ${v.outOfOrder}${v.taskVersionMismatches ? ` (and ${v.taskVersionMismatches} task versions off)` : ''}`,
    `  doubled       ${v.doubled}${v.doubled ? ` ${JSON.stringify(v.doubledBy)}` : ''}; missing side effects ${v.missingSideEffects}${v.missingSideEffects ? ` ${JSON.stringify(v.missingBy)}` : ''}`,
    `  notifications ${v.notifications.distinct} distinct reminders (${v.notifications.raw} calls, ${v.notifications.repeatedCalls} repeated with the same Idempotency-Key); ${v.notifications.triggeredReminders} reminders Triggered; ${v.recurringInstances} recurring instances`,
    `  dead-lettered ${v.deadLettered}; deliberate poison in ${v.poison.deadLetteredBy}/${v.poison.expected} consumer DLQs`,
    ...r.verdict.violations.map((m) => `  VIOLATION     ${m}`),
    r.verdict.ok ? '  OK: no loss, order kept, no doubles, nothing dead-lettered by accident' : '  FAILED',
  ];
  return lines.join('\n');
}

export function summaryJson(r: ChaosReport): string {
  const v = r.verdict;
  return JSON.stringify({
    runId: r.runId,
    relay: r.relay,
    seed: r.seed,
    clients: r.clients,
    workloadSeconds: Math.round(r.workloadSeconds),
    eventsWritten: v.eventsWritten,
    eventsByTopic: v.eventsByTopic,
    kafkaRecords: v.kafkaRecords,
    redelivered: v.redelivered,
    faults: r.faults,
    faultsTotal: r.faultsTotal,
    unplannedExits: r.unplannedExits,
    requests: r.requests,
    lost: v.lost,
    unexpectedInKafka: v.unexpectedInKafka,
    outOfOrder: v.outOfOrder,
    taskVersionMismatches: v.taskVersionMismatches,
    doubled: v.doubled,
    doubledBy: v.doubledBy,
    missingSideEffects: v.missingSideEffects,
    missingBy: v.missingBy,
    deadLettered: v.deadLettered,
    poison: v.poison,
    notifications: v.notifications,
    recurringInstances: v.recurringInstances,
    quiesced: r.quiesced,
    quiesceSeconds: Math.round(r.quiesceSeconds),
    violations: v.violations,
    ok: v.ok,
  });
}
