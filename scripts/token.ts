/**
 * `npm run token -- <userId> [--expires 12h]`: prints a development bearer token for that user.
 * The API refuses tokens that live longer than JWT_MAX_LIFETIME_SECONDS, so this refuses to print one.
 */
import { decodeJwt } from 'jose';
import { jwtMaxLifetimeSeconds } from '../api/config.js';
import { signToken } from '../api/http/auth.js';
import { devJwtSecret } from './dev-secrets.js';

const [userId, flag, expires] = process.argv.slice(2);
if (!userId || userId.startsWith('-')) {
  console.error('token: missing the user id\nusage: npm run token -- <userId> [--expires 12h]');
  process.exit(2);
}
if (flag !== undefined && flag !== '--expires') {
  console.error(`token: unknown option ${flag}`);
  process.exit(2);
}
const maxLifetime = jwtMaxLifetimeSeconds();
const token = await signToken(devJwtSecret(), userId, expires);
const { exp, iat } = decodeJwt(token);
if (exp! - iat! > maxLifetime) {
  console.error(`token: --expires ${expires} is longer than JWT_MAX_LIFETIME_SECONDS (${maxLifetime} s)`);
  process.exit(2);
}
console.log(token);
