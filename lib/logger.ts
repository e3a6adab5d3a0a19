/** Structured JSON logs (pino). Components get child loggers; nothing imports a global one. */
import { pino, type Logger } from 'pino';
import { LOG_LEVEL, read } from './config/settings.js';

export type { Logger };

export function createLogger(service: string, level = read(LOG_LEVEL)): Logger {
  return pino({ level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}
