/** How every process logs, and which mode it runs in. */
import { EVERY_CLIENT, str } from '../setting.js';

export const LOG_LEVEL = str('LOG_LEVEL', {
  default: 'info',
  readBy: EVERY_CLIENT,
  description: "the JSON logs' level (pino): `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`",
});

export const KAFKAJS_LOG_LEVEL = str('KAFKAJS_LOG_LEVEL', {
  default: 'error',
  readBy: EVERY_CLIENT,
  description: "kafkajs's own logging: `nothing`, `error`, `warn`, `info` or `debug` (anything else is `error`)",
});

export const NODE_ENV = str('NODE_ENV', {
  default: 'development',
  readBy: ['api'],
  description: '`production` turns off `POST /api/dev/token`, the development sign-in that hands a token to anyone',
});
