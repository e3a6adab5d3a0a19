/** `npm run token -- <userId> [--expires 12h]`: prints a development bearer token for that user. */
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
console.log(await signToken(devJwtSecret(), userId, expires ?? '12h'));
