/** Every consumer group's service definition, by group name. */
import type { ConsumerGroup } from '../lib/topics.js';
import type { ConsumerServiceDefinition } from './consumer-service.js';

export async function serviceDefinition(group: ConsumerGroup): Promise<ConsumerServiceDefinition> {
  switch (group) {
    case 'audit-log-cg':
      return (await import('./audit-log/audit-log-handler.js')).auditLogService;
    default:
      throw new Error(`consumer group ${group} is not implemented yet`);
  }
}
