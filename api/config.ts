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
    bodyLimitBytes: envInt('API_BODY_LIMIT_BYTES', 64 * 1024, 1),
    dbPoolMax: envInt('API_DB_POOL_MAX', 20, 1),
    admission: admission(),
    workers: envInt('API_WORKERS', 1, 1),
    outboxDisabled: envBool('API_OUTBOX_DISABLED', false),
    llm: { baseUrl: envOptional('LLM_BASE_URL'), apiKey: envOptional('LLM_API_KEY'), model: envOptional('LLM_MODEL') },
  });
}
