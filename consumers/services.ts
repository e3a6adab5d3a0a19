/** Every consumer group's service definition, by group name. */
import type { ConsumerGroup } from '../lib/topics.js';
import type { ConsumerServiceDefinition } from './consumer-service.js';

export async function serviceDefinition(group: ConsumerGroup): Promise<ConsumerServiceDefinition> {
  switch (group) {
    case 'audit-log-cg':
      return (await import('./audit-log/audit-log-handler.js')).auditLogService;
    case 'recurring-task-cg':
      return (await import('./recurring-task/recurring-task-service.js')).recurringTaskService;
    case 'reminder-scheduler-cg':
      return (await import('./reminder-scheduler/reminder-scheduler-handler.js')).reminderSchedulerService;
    case 'reminder-trigger-cg':
      return (await import('./reminder-trigger/reminder-trigger-service.js')).reminderTriggerService;
    case 'task-broadcaster-cg':
      return (await import('./task-broadcaster/task-broadcaster-handler.js')).taskBroadcasterService;
    default:
      throw new Error(`consumer group ${group} is not implemented yet`);
  }
}
