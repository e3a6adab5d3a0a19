/**
 * The development JWT secret: JWT_SECRET when set, otherwise a random one generated once into the
 * stack folder, so `npm start` and `npm run token` agree without a secret in the repo.
 */
import { JWT_SECRET, read } from '../lib/config/settings.js';
import { stackSecret } from '../lib/stack-secret.js';

export function devJwtSecret(): string {
  return read(JWT_SECRET) ?? stackSecret('dev-jwt-secret', 32);
}
