/**
 * What each principal may do on the brokers (deny by default: StandardAuthorizer with
 * `allow.everyone.if.no.acl.found=false`). The local stack applies this table (scripts/stack);
 * the Helm chart grants the same through Strimzi KafkaUser resources, and `npm run k8s:check`
 * compares the two.
 * - relay, connect: write the event topics and the relay DLQs; nobody else writes them, except
 *   the operator's DLQ replay, which re-publishes a dead letter to its original topic;
 * - each consumer group: reads its input topics with its own group (ids prefixed by the group's
 *   name: tests and chaos runs use `<group>-<suffix>`), writes its own `todo.<group>.dlq`; events
 *   it causes go through the outbox, not straight to Kafka;
 * - api: reads the broadcast topic with `api-sse-*` groups (the live-update feed);
 * - operator: provisions topics, reads everything (tail, DLQ listing), replays dead letters.
 */
import { DEBEZIUM_HEARTBEAT_TOPIC } from '../config/settings.js';
import { CONSUMED_TOPICS, CONSUMER_GROUPS, TOPICS, consumerDlqTopic, relayDlqTopic } from '../topics.js';
import type { KafkaPrincipal } from './kafka-credentials.js';

export type AclResource = 'topic' | 'group' | 'cluster';
export type AclOperation =
  'Read' | 'Write' | 'Create' | 'Describe' | 'DescribeConfigs' | 'AlterConfigs' | 'Alter' | 'All';

export interface AclGrant {
  principal: KafkaPrincipal;
  resource: AclResource;
  /** A topic or group name (`*`: all), or a prefix when `prefixed`; `kafka-cluster` for the cluster. */
  name: string;
  prefixed: boolean;
  operations: AclOperation[];
}

/** The topic Debezium's heartbeats go to: the default one (the chart and the stack grant no other). */
const HEARTBEAT_TOPIC = DEBEZIUM_HEARTBEAT_TOPIC.default.value;

export function aclTable(): AclGrant[] {
  const eventTopics = Object.values(TOPICS);
  const relayDlqs = eventTopics.map(relayDlqTopic);
  const topic = (principal: KafkaPrincipal, name: string, operations: AclOperation[], prefixed = false): AclGrant => ({
    principal,
    resource: 'topic',
    name,
    prefixed,
    operations,
  });
  const group = (principal: KafkaPrincipal, name: string, operations: AclOperation[], prefixed = false): AclGrant => ({
    principal,
    resource: 'group',
    name,
    prefixed,
    operations,
  });
  const publish: AclOperation[] = ['Write', 'Describe'];
  return [
    ...[...eventTopics, ...relayDlqs].map((t) => topic('relay', t, publish)),
    ...[...eventTopics, ...relayDlqs, HEARTBEAT_TOPIC].map((t) => topic('connect', t, publish)),
    // Connect's own configs/offsets/status topics (`todo-connect-*`) and its worker group.
    topic('connect', 'todo-connect-', ['All'], true),
    group('connect', 'todo-connect', ['Read', 'Describe']),
    ...CONSUMER_GROUPS.flatMap((g) => [
      ...CONSUMED_TOPICS[g].map((t) => topic(g, t, ['Read', 'Describe'])),
      group(g, g, ['Read', 'Describe'], true),
      topic(g, consumerDlqTopic(g), publish),
    ]),
    topic('api', TOPICS.broadcast, ['Read', 'Describe']),
    group('api', 'api-sse-', ['Read', 'Describe'], true),
    topic('operator', '*', ['Describe', 'DescribeConfigs', 'AlterConfigs', 'Alter', 'Create', 'Read']),
    ...[...eventTopics].map((t) => topic('operator', t, ['Write'])),
    group('operator', '*', ['Read', 'Describe']),
    {
      principal: 'operator',
      resource: 'cluster',
      name: 'kafka-cluster',
      prefixed: false,
      operations: ['Create', 'Describe'],
    },
  ];
}
