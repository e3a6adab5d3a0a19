/** Applies lib/kafka/kafka-acls.ts (the product's table and the stack's own grants) to the local cluster, as the super user; idempotent. */
import kafkajs from 'kafkajs';
import { createKafka } from '../../lib/kafka/kafka-client.js';
import { aclTable, type AclGrant, type AclOperation, type AclResource } from '../../lib/kafka/kafka-acls.js';
import type { StackConfig } from './stack-config.js';

// kafkajs is CommonJS: its enums are reachable through the default export only under ESM.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

const RESOURCE: Record<AclResource, number> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  cluster: AclResourceTypes.CLUSTER,
};

const OPERATION: Record<AclOperation, number> = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Create: AclOperationTypes.CREATE,
  Describe: AclOperationTypes.DESCRIBE,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
  AlterConfigs: AclOperationTypes.ALTER_CONFIGS,
  Alter: AclOperationTypes.ALTER,
  All: AclOperationTypes.ALL,
};

/**
 * The local stack's grants on top of the product's table, never in the chart: the relay
 * benchmark's relays (ours and Debezium in Connect) publish to `bench.*` topics, which no consumer reads.
 */
const STACK_ONLY_GRANTS: AclGrant[] = (['relay', 'connect'] as const).map((principal) => ({
  principal,
  resource: 'topic',
  name: 'bench.',
  prefixed: true,
  operations: ['Write', 'Describe'],
}));

export async function applyKafkaAcls(cfg: StackConfig): Promise<number> {
  const admin = createKafka({
    brokers: cfg.kafkaNodes.map((n) => `127.0.0.1:${n.port}`),
    clientId: 'stack-acls',
    principal: 'admin',
    quiet: true,
  }).admin();
  await admin.connect();
  try {
    const acl = [...aclTable(), ...STACK_ONLY_GRANTS].flatMap((g) =>
      g.operations.map((op) => ({
        resourceType: RESOURCE[g.resource],
        resourceName: g.name,
        resourcePatternType: g.prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
        principal: `User:${g.principal}`,
        host: '*',
        operation: OPERATION[op],
        permissionType: AclPermissionTypes.ALLOW,
      })),
    );
    await admin.createAcls({ acl } as never);
    return acl.length;
  } finally {
    await admin.disconnect();
  }
}
