/** The API (`api/config.ts`): listening, authentication, HTTP limits, admission control, the chat's model. */
import { bool, int, str, unset } from '../setting.js';

export const HOST = str('HOST', {
  default: '127.0.0.1',
  readBy: ['api', 'tools'],
  description: 'the address the API listens on',
});

export const PORT = int('PORT', {
  kind: 'port',
  default: 3000,
  readBy: ['api', 'stack', 'tools'],
  description: "the API's port (REST, the web page, `/metrics`); Prometheus scrapes it",
});

export const API_WORKERS = int('API_WORKERS', {
  default: 1,
  min: 1,
  readBy: ['api', 'bench'],
  description: 'API processes sharing the port (node:cluster); `/metrics` sums them, each has its own pool and bounds',
});

export const JWT_SECRET = str('JWT_SECRET', {
  default: unset(
    'the API refuses to start; `npm start` and `npm run token` use one generated into `<STACK_DIR>/dev-jwt-secret`',
  ),
  readBy: ['api', 'tools'],
  secret: true,
  description: 'signs and checks bearer tokens (HS256); at least 16 characters',
});

export const JWT_MAX_LIFETIME_SECONDS = int('JWT_MAX_LIFETIME_SECONDS', {
  kind: 'duration-s',
  default: 24 * 3600,
  min: 1,
  readBy: ['api', 'tools'],
  description: 'a token whose `exp` lies further from its `iat` (or from now) is refused',
});

export const API_HEADERS_TIMEOUT_MS = int('API_HEADERS_TIMEOUT_MS', {
  kind: 'duration-ms',
  default: 20_000,
  min: 1,
  readBy: ['api'],
  description: "a client slower to send its headers gets 408 (at most API_REQUEST_TIMEOUT_MS: node:http's rule)",
});

export const API_REQUEST_TIMEOUT_MS = int('API_REQUEST_TIMEOUT_MS', {
  kind: 'duration-ms',
  default: 30_000,
  min: 1,
  readBy: ['api'],
  description: "a client slower to send the whole request gets 408, instead of holding a connection for Node's 300 s",
});

export const API_BODY_LIMIT_BYTES = int('API_BODY_LIMIT_BYTES', {
  default: 64 * 1024,
  min: 1,
  readBy: ['api'],
  description: 'the largest JSON body accepted, in bytes',
});

export const API_DB_POOL_MAX = int('API_DB_POOL_MAX', {
  default: 20,
  min: 1,
  readBy: ['api'],
  description: 'database connections per API process',
});

// 32, not 64: past the pool's 20 connections an admitted request only waits for one. Under 5×
// overload (`npm run bench:api`, quick, two runs each) the accepted p99 was 132 / 162 ms at 32
// against 231 / 259 ms at 64, for about the same accepted throughput.
export const API_MAX_IN_FLIGHT = int('API_MAX_IN_FLIGHT', {
  default: 32,
  min: 1,
  readBy: ['api'],
  description: 'requests under `/api` in flight per process; past it the API answers 503 at once',
});

export const API_DB_WAIT_MS = int('API_DB_WAIT_MS', {
  kind: 'duration-ms',
  default: 250,
  min: 1,
  readBy: ['api'],
  description: 'the longest a request waits for a pooled connection before the API answers 503',
});

export const API_RETRY_AFTER_SECONDS = int('API_RETRY_AFTER_SECONDS', {
  kind: 'duration-s',
  default: 1,
  min: 1,
  readBy: ['api'],
  description: "the `Retry-After` of a shed request's 503",
});

export const API_OUTBOX_DISABLED = bool('API_OUTBOX_DISABLED', {
  default: false,
  readBy: ['api', 'bench'],
  description: 'benchmarks only: write no outbox rows, to measure what they cost (no events are published)',
});

export const LLM_BASE_URL = str('LLM_BASE_URL', {
  kind: 'url',
  default: unset('the chat uses its offline rules (`api/chat/`)'),
  readBy: ['api'],
  description: 'an OpenAI-compatible API with tool calling for the chat, with LLM_API_KEY and LLM_MODEL',
});

export const LLM_API_KEY = str('LLM_API_KEY', {
  default: unset('no key is sent'),
  readBy: ['api'],
  secret: true,
  description: "the key for LLM_BASE_URL's API",
});

export const LLM_MODEL = str('LLM_MODEL', {
  default: 'gpt-4o-mini',
  readBy: ['api'],
  description: 'the model the chat asks at LLM_BASE_URL',
});
