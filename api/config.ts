/** The API's configuration, read once at start-up from the catalogue (lib/config/settings.ts). */
import { ConfigError } from '../lib/config/config-error.js';
import {
  API_BODY_LIMIT_BYTES,
  API_DB_POOL_MAX,
  API_DB_WAIT_MS,
  API_HEADERS_TIMEOUT_MS,
  API_MAX_IN_FLIGHT,
  API_OUTBOX_DISABLED,
  API_REQUEST_TIMEOUT_MS,
  API_RETRY_AFTER_SECONDS,
  API_WORKERS,
  HOST,
  JWT_MAX_LIFETIME_SECONDS,
  JWT_SECRET,
  LLM_API_KEY,
  LLM_BASE_URL,
  LLM_MODEL,
  NODE_ENV,
  PORT,
  read,
} from '../lib/config/settings.js';
import { connectionConfig, type ConnectionConfig } from '../lib/env.js';
import type { AdmissionSettings } from './http/admission.js';

/** Longest a bearer token may live, in seconds: a day. */
export const DEFAULT_JWT_MAX_LIFETIME_SECONDS = JWT_MAX_LIFETIME_SECONDS.default.value;

/** JWT_MAX_LIFETIME_SECONDS: tokens whose `exp` lies further from their issue (or from now) are refused. */
export function jwtMaxLifetimeSeconds(): number {
  return read(JWT_MAX_LIFETIME_SECONDS);
}

/**
 * How long a client may take to send a request's headers, and the whole request: a client that
 * trickles its bytes gets 408 then, instead of holding a connection for Node's default 300 s.
 */
export interface HttpTimeouts {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = Object.freeze({
  headersTimeoutMs: API_HEADERS_TIMEOUT_MS.default.value,
  requestTimeoutMs: API_REQUEST_TIMEOUT_MS.default.value,
});

function httpTimeouts(): HttpTimeouts {
  const requestTimeoutMs = read(API_REQUEST_TIMEOUT_MS);
  const headersTimeoutMs = read(API_HEADERS_TIMEOUT_MS);
  // node:http refuses a headers timeout longer than the request timeout.
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      `API_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed API_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`,
    );
  }
  return Object.freeze({ headersTimeoutMs, requestTimeoutMs });
}

/** Admission control (api/http/admission.ts): sized for one API process on a 20-connection pool. */
export const DEFAULT_ADMISSION: AdmissionSettings = Object.freeze({
  maxInFlight: API_MAX_IN_FLIGHT.default.value,
  dbWaitMs: API_DB_WAIT_MS.default.value,
  retryAfterSeconds: API_RETRY_AFTER_SECONDS.default.value,
});

function admission(): AdmissionSettings {
  return Object.freeze({
    maxInFlight: read(API_MAX_IN_FLIGHT),
    dbWaitMs: read(API_DB_WAIT_MS),
    retryAfterSeconds: read(API_RETRY_AFTER_SECONDS),
  });
}

export interface ApiConfig extends ConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly jwtSecret: string;
  readonly jwtMaxLifetimeSeconds: number;
  readonly httpTimeouts: HttpTimeouts;
  /** Largest accepted JSON body, in bytes. */
  readonly bodyLimitBytes: number;
  /** Connections per API process (each cluster worker has its own pool). */
  readonly dbPoolMax: number;
  /** Requests in flight and the wait for a connection, past which the API answers 503 at once. */
  readonly admission: AdmissionSettings;
  /** API processes behind the port (node:cluster); 1 runs the API in this process. */
  readonly workers: number;
  /** Benchmark switch only: write no outbox rows, to measure what they cost. */
  readonly outboxDisabled: boolean;
  readonly llm: { baseUrl?: string; apiKey?: string; model?: string };
  /** POST /api/dev/token (the web page's development sign-in): on unless NODE_ENV is production. */
  readonly devTokens: boolean;
}

export function apiConfig(): ApiConfig {
  const jwtSecret = read(JWT_SECRET);
  if (!jwtSecret || jwtSecret.length < 16) {
    throw new ConfigError('JWT_SECRET must be set to at least 16 characters (npm start generates a development one)');
  }
  return Object.freeze({
    ...connectionConfig(),
    host: read(HOST),
    port: read(PORT),
    jwtSecret,
    jwtMaxLifetimeSeconds: jwtMaxLifetimeSeconds(),
    httpTimeouts: httpTimeouts(),
    bodyLimitBytes: read(API_BODY_LIMIT_BYTES),
    dbPoolMax: read(API_DB_POOL_MAX),
    admission: admission(),
    workers: read(API_WORKERS),
    outboxDisabled: read(API_OUTBOX_DISABLED),
    llm: { baseUrl: read(LLM_BASE_URL), apiKey: read(LLM_API_KEY), model: read(LLM_MODEL) },
    devTokens: read(NODE_ENV) !== 'production',
  });
}
