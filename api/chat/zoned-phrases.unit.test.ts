/**
 * The same everyday phrases read where people live: Asia/Tokyo (no DST), America/New_York and
 * Europe/Berlin, including the 2027 daylight-saving weekends. A weekly 9:00 recurrence said in
 * chat is expanded by the scheduler's own code (lib/recurrence.ts) and fires at 9:00 local on
 * both sides of each change, once a week.
 */
import { DateTime } from 'luxon';
import { occurrencesBetween, parseRecurrencePattern } from '../../lib/recurrence.js';
import { RuleInterpreter } from './rule-interpreter.js';
import type { Interpretation, ToolCall } from './tool-calls.js';

const rules = new RuleInterpreter();
const WEDNESDAY = new Date('2026-11-25T10:00:00Z');

type Args<T extends ToolCall['tool']> = Extract<ToolCall, { tool: T }>['args'];
const one = (call: ToolCall): Interpretation => ({ kind: 'tools', calls: [call] });
const add = (args: Args<'add_task'>) => one({ tool: 'add_task', args });
const list = (args: Args<'list_tasks'>) => one({ tool: 'list_tasks', args: { status: 'pending', ...args } });
const upd = (task: string, changes: Args<'update_task'>['changes']) =>
  one({ tool: 'update_task', args: { task, changes } });

const CASES: [zone: string, now: Date, message: string, expected: Interpretation][] = [
  // Tokyo, UTC+9: it is Wednesday 19:00 there.
  [
    'Asia/Tokyo',
    WEDNESDAY,
    'add buy milk tomorrow at 9am',
    add({ title: 'buy milk', dueDate: '2026-11-26T00:00:00.000Z' }),
  ],
  ['Asia/Tokyo', WEDNESDAY, 'add call mom tonight', add({ title: 'call mom', dueDate: '2026-11-25T11:00:00.000Z' })],
  ['Asia/Tokyo', WEDNESDAY, 'add gym at 7am', add({ title: 'gym', dueDate: '2026-11-25T22:00:00.000Z' })],
  [
    'Asia/Tokyo',
    WEDNESDAY,
    "what's due today",
    list({ dueFrom: '2026-11-24T15:00:00.000Z', dueTo: '2026-11-25T14:59:59.999Z' }),
  ],
  [
    'Asia/Tokyo',
    WEDNESDAY,
    'remind me to call mom in 2 hours',
    add({ title: 'call mom', dueDate: '2026-11-25T12:00:00.000Z', reminderLeadMinutes: 0 }),
  ],
  [
    'Asia/Tokyo',
    WEDNESDAY,
    'every monday at 9am team sync',
    add({
      title: 'team sync',
      dueDate: '2026-11-30T00:00:00.000Z',
      isRecurringTemplate: true,
      recurrencePattern: 'weekly:mon',
    }),
  ],
  // 16:00Z is already Thursday 01:00 in Tokyo: "tomorrow" is Friday there.
  [
    'Asia/Tokyo',
    new Date('2026-11-25T16:00:00Z'),
    'add buy milk tomorrow',
    add({ title: 'buy milk', dueDate: '2026-11-27T00:00:00.000Z' }),
  ],
  [
    'Asia/Tokyo',
    new Date('2026-11-25T16:00:00Z'),
    'move the report to friday',
    upd('report', { dueDay: '2026-11-27' }),
  ],
  // New York, UTC-5 in November: Wednesday 05:00.
  [
    'America/New_York',
    WEDNESDAY,
    'add buy milk tomorrow at 5pm',
    add({ title: 'buy milk', dueDate: '2026-11-26T22:00:00.000Z' }),
  ],
  ['America/New_York', WEDNESDAY, 'add call bob at 9', add({ title: 'call bob', dueDate: '2026-11-25T14:00:00.000Z' })],
  [
    'America/New_York',
    WEDNESDAY,
    "what's due this week",
    list({ dueFrom: '2026-11-23T05:00:00.000Z', dueTo: '2026-11-30T04:59:59.999Z' }),
  ],
  [
    'America/New_York',
    WEDNESDAY,
    'add pay rent on the 1st',
    add({ title: 'pay rent', dueDate: '2026-12-01T14:00:00.000Z' }),
  ],
  [
    'America/New_York',
    WEDNESDAY,
    'add call mom tonight',
    add({ title: 'call mom', dueDate: '2026-11-26T01:00:00.000Z' }),
  ],
  // Berlin, UTC+1 in November: Wednesday 11:00.
  [
    'Europe/Berlin',
    WEDNESDAY,
    'add dentist friday at 10:30',
    add({ title: 'dentist', dueDate: '2026-11-27T09:30:00.000Z' }),
  ],
  [
    'Europe/Berlin',
    WEDNESDAY,
    'remind me to call mom on friday at 10am',
    add({ title: 'call mom', dueDate: '2026-11-27T09:00:00.000Z', reminderLeadMinutes: 0 }),
  ],
  [
    'Europe/Berlin',
    WEDNESDAY,
    'add call anna in 30 minutes',
    add({ title: 'call anna', dueDate: '2026-11-25T10:30:00.000Z' }),
  ],
  // New York springs forward on Sunday 14 March 2027: Friday is EST, Sunday EDT.
  [
    'America/New_York',
    new Date('2027-03-12T15:00:00Z'),
    'add brunch on sunday at 9am',
    add({ title: 'brunch', dueDate: '2027-03-14T13:00:00.000Z' }),
  ],
  [
    'America/New_York',
    new Date('2027-03-12T15:00:00Z'),
    'add call dad tomorrow at 9am',
    add({ title: 'call dad', dueDate: '2027-03-13T14:00:00.000Z' }),
  ],
  // … and falls back on Sunday 7 November 2027.
  [
    'America/New_York',
    new Date('2027-11-05T14:00:00Z'),
    'add brunch on sunday at 9am',
    add({ title: 'brunch', dueDate: '2027-11-07T14:00:00.000Z' }),
  ],
  // Berlin: forward on Sunday 28 March, back on Sunday 31 October 2027.
  [
    'Europe/Berlin',
    new Date('2027-03-26T10:00:00Z'),
    'add hike on sunday at 9am',
    add({ title: 'hike', dueDate: '2027-03-28T07:00:00.000Z' }),
  ],
  [
    'Europe/Berlin',
    new Date('2027-10-29T09:00:00Z'),
    'add hike on sunday at 9am',
    add({ title: 'hike', dueDate: '2027-10-31T08:00:00.000Z' }),
  ],
];

describe('phrases read in the user zone', () => {
  test.each(CASES)('%s, %s: %s', async (timeZone, now, message, expected) => {
    expect(await rules.interpret(message, { now, timeZone })).toEqual(expected);
  });

  test('an unknown zone reads as UTC rather than failing', async () => {
    expect(await rules.interpret('add x tomorrow at 9am', { now: WEDNESDAY, timeZone: 'Mars/Base' })).toEqual(
      add({ title: 'x', dueDate: '2026-11-26T09:00:00.000Z' }),
    );
  });
});

describe('"every <day> at 9am" across the 2027 DST weekends fires at 9:00 local, once a week', () => {
  const WEEKS: [zone: string, now: string, message: string, fires: string[]][] = [
    [
      'America/New_York',
      '2027-03-05T15:00:00Z',
      'every monday at 9am standup',
      ['2027-03-08T14:00:00.000Z', '2027-03-15T13:00:00.000Z', '2027-03-22T13:00:00.000Z'],
    ],
    [
      'America/New_York',
      '2027-03-05T15:00:00Z',
      'every sunday at 9am call grandma',
      ['2027-03-07T14:00:00.000Z', '2027-03-14T13:00:00.000Z', '2027-03-21T13:00:00.000Z'],
    ],
    [
      'America/New_York',
      '2027-10-29T14:00:00Z',
      'every monday at 9am standup',
      ['2027-11-01T13:00:00.000Z', '2027-11-08T14:00:00.000Z', '2027-11-15T14:00:00.000Z'],
    ],
    [
      'America/New_York',
      '2027-10-29T14:00:00Z',
      'every sunday at 9am call grandma',
      ['2027-10-31T13:00:00.000Z', '2027-11-07T14:00:00.000Z', '2027-11-14T14:00:00.000Z'],
    ],
    [
      'Europe/Berlin',
      '2027-03-19T10:00:00Z',
      'every monday at 9am standup',
      ['2027-03-22T08:00:00.000Z', '2027-03-29T07:00:00.000Z', '2027-04-05T07:00:00.000Z'],
    ],
    [
      'Europe/Berlin',
      '2027-03-19T10:00:00Z',
      'every sunday at 9am call grandma',
      ['2027-03-21T08:00:00.000Z', '2027-03-28T07:00:00.000Z', '2027-04-04T07:00:00.000Z'],
    ],
    [
      'Europe/Berlin',
      '2027-10-22T09:00:00Z',
      'every monday at 9am standup',
      ['2027-10-25T07:00:00.000Z', '2027-11-01T08:00:00.000Z', '2027-11-08T08:00:00.000Z'],
    ],
    [
      'Europe/Berlin',
      '2027-10-22T09:00:00Z',
      'every sunday at 9am call grandma',
      ['2027-10-24T07:00:00.000Z', '2027-10-31T08:00:00.000Z', '2027-11-07T08:00:00.000Z'],
    ],
  ];

  test.each(WEEKS)('%s from %s: %s', async (timeZone, now, message, fires) => {
    const got = await rules.interpret(message, { now: new Date(now), timeZone });
    expect(got.kind).toBe('tools');
    const call = got.kind === 'tools' ? got.calls[0] : undefined;
    if (call?.tool !== 'add_task') throw new Error(`expected add_task, got ${JSON.stringify(got)}`);
    expect(call.args.isRecurringTemplate).toBe(true);
    expect(call.args.dueDate).toBe(fires[0]);
    // The recurring-task consumer stores the zone with the schedule and expands exactly so.
    const first = new Date(call.args.dueDate!);
    const occurrences = occurrencesBetween(
      parseRecurrencePattern(call.args.recurrencePattern!),
      first,
      new Date(first.getTime() - 1),
      new Date(first.getTime() + 15 * 86_400_000),
      100,
      timeZone,
    );
    expect(occurrences.map((d) => d.toISOString())).toEqual(fires);
    const local = occurrences.map((d) => DateTime.fromJSDate(d, { zone: timeZone }));
    expect(local.map((d) => d.toFormat('HH:mm'))).toEqual(['09:00', '09:00', '09:00']);
    expect(new Set(local.map((d) => d.weekday)).size).toBe(1);
    expect(new Set(local.map((d) => d.toISODate())).size).toBe(3);
  });
});
