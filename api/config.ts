/** The API's configuration, read once from the environment. */
import {
  ConfigError,
  connectionConfig,
  envBool,
  envInt,
  envOptional,
  envString,
  type ConnectionConfig,
} from '../lib/env.js';
import type { AdmissionSettings } from './http/admission.js';

/** Longest a bearer token may live, in seconds: a day. */
export const DEFAULT_JWT_MAX_LIFETIME_SECONDS = 24 * 3600;

/** JWT_MAX_LIFETIME_SECONDS: tokens whose `exp` lies further from their issue (or from now) are refused. */
export function jwtMaxLifetimeSeconds(): number {
  return envInt('JWT_MAX_LIFETIME_SECONDS', DEFAULT_JWT_MAX_LIFETIME_SECONDS, 1);
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
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 30_000,
});

function httpTimeouts(): HttpTimeouts {
  const requestTimeoutMs = envInt('API_REQUEST_TIMEOUT_MS', DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs, 1);
  const headersTimeoutMs = envInt('API_HEADERS_TIMEOUT_MS', DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs, 1);
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
  maxInFlight: 64,
  dbWaitMs: 250,
  retryAfterSeconds: 1,
});

function admission(): AdmissionSettings {
  return Object.freeze({
    maxInFlight: envInt('API_MAX_IN_FLIGHT', DEFAULT_ADMISSION.maxInFlight, 1),
    dbWaitMs: envInt('API_DB_WAIT_MS', DEFAULT_ADMISSION.dbWaitMs, 1),
    retryAfterSeconds: envInt('API_RETRY_AFTER_SECONDS', DEFAULT_ADMISSION.retryAfterSeconds, 1),
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
  const jwtSecret = envOptional('JWT_SECRET');
  if (!jwtSecret || jwtSecret.length < 16) {
    throw new ConfigError('JWT_SECRET must be set to at least 16 characters (npm start generates a development one)');
  }
  return Object.freeze({
    ...connectionConfig(),
    host: envString('HOST', '127.0.0.1'),
    port: envInt('PORT', 3000),
    jwtSecret,
    jwtMaxLifetimeSeconds: jwtMaxLifetimeSeconds(),
    httpTimeouts: httpTimeouts(),
    bodyLimitBytes: envInt('API_BODY_LIMIT_BYTES', 64 * 1024, 1),
    dbPoolMax: envInt('API_DB_POOL_MAX', 20, 1),
    admission: admission(),
    workers: envInt('API_WORKERS', 1, 1),
    outboxDisabled: envBool('API_OUTBOX_DISABLED', false),
    llm: { baseUrl: envOptional('LLM_BASE_URL'), apiKey: envOptional('LLM_API_KEY'), model: envOptional('LLM_MODEL') },
    devTokens: envString('NODE_ENV', 'development') !== 'production',
  });
}
