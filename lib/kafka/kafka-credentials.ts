/**
 * Who a Kafka client is. Every service authenticates as its own principal (SASL/SCRAM-SHA-512) and
 * the brokers' ACLs say what each may do (scripts/stack/kafka-acls.ts locally, KafkaUser resources
 * in the Helm chart). The credentials come from KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD (and
 * KAFKA_SASL_MECHANISM, default scram-sha-512) when set, as in Kubernetes; otherwise from the users
 * file the local stack generates on its first start (`<stack>/kafka-users.json`, mode 0600), so a
 * developer types nothing. Without either, the client connects unauthenticated.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SASLOptions } from 'kafkajs';
import { KAFKA_SASL_MECHANISM, KAFKA_SASL_PASSWORD, KAFKA_SASL_USERNAME, read } from '../config/settings.js';
import { stackDir } from '../stack-secret.js';
import { CONSUMER_GROUPS, type ConsumerGroup } from '../topics.js';

/**
 * `admin`: the brokers' super user (inter-broker traffic, the stack's ACL bootstrap, the test
 * harness); `operator`: provisioning, DLQ tools, `npm run tail`; `relay` and `connect`: the two
 * relays; `api`: the API's live-update feed; one principal per consumer group.
 */
export type KafkaPrincipal = 'admin' | 'operator' | 'relay' | 'connect' | 'api' | ConsumerGroup;

export const KAFKA_PRINCIPALS: readonly KafkaPrincipal[] = [
  'admin',
  'operator',
  'relay',
  'connect',
  'api',
  ...CONSUMER_GROUPS,
];

export function kafkaUsersFile(): string {
  return path.join(stackDir(), 'kafka-users.json');
}

/** The generated passwords of the local stack's principals, or undefined before its first start. */
export function localKafkaUsers(): Record<KafkaPrincipal, string> | undefined {
  const file = kafkaUsersFile();
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<KafkaPrincipal, string>) : undefined;
}

type ScramMechanism = 'scram-sha-512' | 'scram-sha-256';

/** The SASL settings of `principal`, or undefined when nothing says how to authenticate. */
export function kafkaSasl(principal: KafkaPrincipal): SASLOptions | undefined {
  const username = read(KAFKA_SASL_USERNAME);
  if (username) {
    const mechanism = read(KAFKA_SASL_MECHANISM).toLowerCase() as ScramMechanism;
    return { mechanism, username, password: read(KAFKA_SASL_PASSWORD) ?? '' };
  }
  const password = localKafkaUsers()?.[principal];
  return password === undefined ? undefined : { mechanism: 'scram-sha-512', username: principal, password };
}
