/**
 * An interpreter backed by any OpenAI-compatible chat completions endpoint (OpenAI, Azure-style
 * proxies, Ollama, vLLM, llama.cpp server). The model only chooses tools; everything it returns is
 * validated before it can reach the task service.
 */
import { DateTime } from 'luxon';
import { AppError } from '../../lib/errors.js';
import { toToolCall, TOOL_DEFINITIONS } from './llm-tools.js';
import type { ChatContext, Interpretation, Interpreter, ToolCall } from './tool-calls.js';

/** Connection settings for {@link LlmInterpreter}. */
export interface LlmInterpreterOptions {
  /** e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  /** Sent as a bearer token when non-empty (local servers often need none). */
  apiKey: string;
  model: string;
  /** Injected for tests and for callers that wrap fetch (proxies, tracing). */
  fetchImpl?: typeof fetch;
  /** Per-request timeout; default 20 s. */
  timeoutMs?: number;
}

/**
 * The LLM call failed in a way that may succeed if repeated (timeout, network, 429, 5xx). An
 * AppError, so the HTTP layer answers 503 and callers can use `isRetriable`.
 */
export class LlmRetriableError extends AppError {
  constructor(
    message: string,
    readonly upstreamStatus?: number,
    cause?: unknown,
  ) {
    super(message, { code: 'llm_unavailable', retriable: true, status: 503, cause });
  }
}

/** The LLM call failed in a way repeating will not fix (bad key or model, bad request, garbage reply). */
export class LlmPermanentError extends AppError {
  constructor(
    message: string,
    readonly upstreamStatus?: number,
    cause?: unknown,
  ) {
    super(message, { code: 'llm_failed', retriable: false, status: 502, cause });
  }
}

const FALLBACK_RESPONSE =
  'Sorry, I could not work out what to do with that. Try something like "add buy milk tomorrow at 5pm" or "what\'s due this week?".';

/**
 * The system prompt: the model needs the user's zone and local clock to resolve "tomorrow at 9",
 * and the conventions the tools expect.
 */
export function systemPrompt(now: Date, timeZone = 'UTC'): string {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  return [
    'You are the assistant of a to-do app. Turn the user message into calls of the provided tools.',
    `The user's time zone is ${timeZone}. Their local date-time now is ${local.toISO({ suppressMilliseconds: true })} (${local.toFormat('cccc d LLLL yyyy, HH:mm')}); in UTC it is ${now.toISOString()}.`,
    'Read every date and time the user says in their time zone, then send it as an ISO-8601 UTC timestamp (e.g. 9am in Asia/Tokyo is 00:00Z).',
    'A date without a time means 09:00 local. "tonight" means 20:00 local. A weekday name means the next such day after today.',
    'When moving a task to another day without a new time, send dueDay (YYYY-MM-DD) so it keeps its time of day.',
    '"remind me to X at T" adds the task due at T with reminderLeadMinutes 0; "remind me N minutes before" sets reminderLeadMinutes; "it" or "that" refers to the task last talked about.',
    'Refer to existing tasks by the words the user used (e.g. "the dentist task" -> "dentist").',
    'Recurrence patterns: daily | weekdays | weekly:mon,wed | monthly:15 | every:3:days | every:2:weeks | cron:<5 fields>; set isRecurringTemplate to true with them.',
    'Tags have no leading #. Priorities are Low, Medium or High.',
    'When listing, ask for pending tasks unless the user wants completed or all tasks.',
    'If the message is not about tasks, answer briefly in plain text and say what you can do.',
  ].join('\n');
}

interface CompletionMessage {
  content?: unknown;
  tool_calls?: { type?: unknown; function?: { name?: unknown; arguments?: unknown } }[];
}

/** Interpreter that asks a chat-completions model to pick tools. Throws {@link LlmRetriableError} or {@link LlmPermanentError}. */
export class LlmInterpreter implements Interpreter {
  private readonly url: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly opts: LlmInterpreterOptions) {
    this.url = `${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.fetchImpl = opts.fetchImpl ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 20_000;
  }

  async interpret(message: string, ctx: ChatContext): Promise<Interpretation> {
    if (typeof message !== 'string' || message.trim() === '') {
      return { kind: 'unknown', response: FALLBACK_RESPONSE };
    }
    const reply = await this.complete(message, ctx.now, ctx.timeZone);
    const calls = (Array.isArray(reply.tool_calls) ? reply.tool_calls : [])
      .map((c) => toToolCall(c?.function?.name, c?.function?.arguments))
      .filter((c): c is ToolCall => c !== undefined);
    if (calls.length > 0) return { kind: 'tools', calls };
    const content = typeof reply.content === 'string' ? reply.content.trim() : '';
    return { kind: 'unknown', response: content || FALLBACK_RESPONSE };
  }

  private async complete(message: string, now: Date, timeZone?: string): Promise<CompletionMessage> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const body = JSON.stringify({
      model: this.opts.model,
      temperature: 0,
      messages: [
        { role: 'system', content: systemPrompt(now, timeZone) },
        { role: 'user', content: message },
      ],
      tools: TOOL_DEFINITIONS,
      tool_choice: 'auto',
    });

    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(this.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      // Timeouts, refused connections and resets are all transient from the caller's point of view.
      throw new LlmRetriableError(
        `LLM request to ${this.url} failed: ${(err as Error)?.message ?? String(err)}`,
        undefined,
        err,
      );
    }
    if (!res.ok) {
      const detail = `LLM request to ${this.url} returned HTTP ${res.status}: ${text.slice(0, 300)}`;
      if (res.status === 408 || res.status === 429 || res.status >= 500)
        throw new LlmRetriableError(detail, res.status);
      throw new LlmPermanentError(detail, res.status);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new LlmPermanentError(`LLM reply from ${this.url} is not JSON: ${text.slice(0, 300)}`, res.status, err);
    }
    const msg = (json as { choices?: { message?: CompletionMessage }[] })?.choices?.[0]?.message;
    if (!msg || typeof msg !== 'object')
      throw new LlmPermanentError(`LLM reply from ${this.url} has no choices[0].message`, res.status);
    return msg;
  }
}
