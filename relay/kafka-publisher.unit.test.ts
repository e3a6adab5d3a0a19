import { classifyPublishError, PartitionsNotAcknowledgedError, unacknowledged } from './kafka-publisher.js';

describe('acknowledgement check', () => {
  const asked = new Set(['todo.tasks.events:0', 'todo.tasks.events:2', 'todo.task_updates.broadcast:1']);

  it('finds a partition the send was asked to write but no acknowledgement names (kafkajs dropped it)', () => {
    const acks = [
      { topicName: 'todo.tasks.events', partition: 0, errorCode: 0 },
      { topicName: 'todo.task_updates.broadcast', partition: 1, errorCode: 0 },
    ];
    expect(unacknowledged(asked, acks)).toEqual(['todo.tasks.events:2']);
  });

  it('counts an acknowledgement carrying an error as missing', () => {
    const acks = [
      { topicName: 'todo.tasks.events', partition: 0, errorCode: 0 },
      { topicName: 'todo.tasks.events', partition: 2, errorCode: 6 },
      { topicName: 'todo.task_updates.broadcast', partition: 1, errorCode: 0 },
    ];
    expect(unacknowledged(asked, acks)).toEqual(['todo.tasks.events:2']);
  });

  it('passes a send acknowledged for every partition', () => {
    const acks = [...asked].map((tp) => {
      const [topicName, partition] = tp.split(':');
      return { topicName: topicName!, partition: Number(partition), errorCode: 0 };
    });
    expect(unacknowledged(asked, acks)).toEqual([]);
  });

  it('makes the relay start fresh producer sessions and publish again', () => {
    expect(classifyPublishError(new PartitionsNotAcknowledgedError(['todo.tasks.events:2']))).toBe('session');
  });
});
