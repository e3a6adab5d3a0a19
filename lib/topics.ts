/**
 * The topic table of docs/architecture (names, partitions, retention are a contract) and which
 * event types travel on which topic.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** Names of the consumer groups; each owns a dead-letter topic `todo.<group>.dlq`. */
export const CONSUMER_GROUPS = [
  'recurring-task-cg',
  'reminder-scheduler-cg',
  'reminder-trigger-cg',
  'task-broadcaster-cg',
  'audit-log-cg',
] as const;
export type ConsumerGroup = (typeof CONSUMER_GROUPS)[number];

export const TOPICS = {
  tasks: 'todo.tasks.events',
  reminders: 'todo.reminders.events',
  broadcast: 'todo.task_updates.broadcast',
} as const;
export type EventTopic = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * The topics each group subscribes to: the `topics` of each handler under consumers/ (audit-log
 * reads every event topic); the brokers' ACLs and the chart's replica bounds follow it, and
 * `npm run k8s:check` checks it against the handlers.
 */
export const CONSUMED_TOPICS: Record<ConsumerGroup, readonly EventTopic[]> = {
  'recurring-task-cg': [TOPICS.tasks],
  'reminder-scheduler-cg': [TOPICS.tasks],
  'reminder-trigger-cg': [TOPICS.reminders],
  'task-broadcaster-cg': [TOPICS.tasks],
  'audit-log-cg': [TOPICS.tasks, TOPICS.reminders, TOPICS.broadcast],
};

export const EVENT_TYPES_BY_TOPIC = {
  [TOPICS.tasks]: ['TaskCreated', 'TaskUpdated', 'TaskCompleted', 'TaskDeleted'],
  [TOPICS.reminders]: ['ReminderScheduled', 'ReminderTriggered', 'ReminderDismissed'],
  [TOPICS.broadcast]: ['TaskChanged'],
} as const;
export type EventType = (typeof EVENT_TYPES_BY_TOPIC)[EventTopic][number];
export const EVENT_TYPES: readonly EventType[] = Object.values(EVENT_TYPES_BY_TOPIC).flat();

/** The topic an event type is published to. */
export function topicOf(eventType: EventType): EventTopic {
  for (const [topic, types] of Object.entries(EVENT_TYPES_BY_TOPIC)) {
    if ((types as readonly string[]).includes(eventType)) return topic as EventTopic;
  }
  throw new Error(`unknown event type ${eventType}`);
}

export function relayDlqTopic(topic: EventTopic): string {
  return `${topic}.dlq`;
}

export function consumerDlqTopic(group: ConsumerGroup): string {
  return `todo.${group}.dlq`;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  retentionMs: number;
  /** Topic-level configs beyond retention and cleanup policy. */
  extraConfig: Record<string, string>;
}

/**
 * Every topic the system uses. Relay DLQs accept records up to 16 MiB: they hold exactly the
 * records the source topic refused as too large.
 */
export function topicSpecs(): TopicSpec[] {
  const specs: TopicSpec[] = [
    { name: TOPICS.tasks, partitions: 6, retentionMs: 7 * DAY_MS, extraConfig: {} },
    { name: TOPICS.reminders, partitions: 3, retentionMs: 3 * DAY_MS, extraConfig: {} },
    { name: TOPICS.broadcast, partitions: 3, retentionMs: 1 * DAY_MS, extraConfig: {} },
  ];
  for (const t of Object.values(TOPICS)) {
    specs.push({
      name: relayDlqTopic(t),
      partitions: 1,
      retentionMs: 30 * DAY_MS,
      extraConfig: { 'max.message.bytes': String(16 * 1024 * 1024) },
    });
  }
  for (const g of CONSUMER_GROUPS) {
    specs.push({ name: consumerDlqTopic(g), partitions: 1, retentionMs: 30 * DAY_MS, extraConfig: {} });
  }
  return specs;
}
