/**
 * Bearer-token authentication (HS256 JWT, secret from JWT_SECRET). The token's `sub` is the user;
 * a path naming another user answers 404, as if that user's data did not exist. Every token must
 * expire (`exp`), and within JWT_MAX_LIFETIME_SECONDS of its issue (`iat`) and of now: a leaked
 * token stops working after a bounded time.
 */
import type { NextFunction, Request, Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { AppError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { DEFAULT_JWT_MAX_LIFETIME_SECONDS, jwtMaxLifetimeSeconds } from '../config.js';
import { hasNul, NUL_MESSAGE } from './nul-characters.js';

export class UnauthorizedError extends AppError {
  constructor(reason: string) {
    super(`unauthorized: ${reason}`, { code: 'unauthorized', retriable: false, status: 401 });
  }
}

/**
 * Tokens already verified, so a client's every request does not pay for HMAC verification again
 * (about a tenth of a write request's CPU). An entry lasts until its token expires, and at most
 * VERIFIED_TTL_MS; failures are not kept.
 */
class VerifiedTokens {
  private readonly subjects = new Map<string, { sub: string; until: number }>();

  constructor(private readonly maxEntries: number) {}

  subjectOf(token: string, now: number): string | undefined {
    const hit = this.subjects.get(token);
    if (hit && hit.until > now) return hit.sub;
    if (hit) this.subjects.delete(token);
    return undefined;
  }

  remember(token: string, sub: string, expSeconds: number, now: number): void {
    // A Map iterates in insertion order: the first key is the oldest entry.
    if (this.subjects.size >= this.maxEntries) this.subjects.delete(this.subjects.keys().next().value!);
    this.subjects.set(token, { sub, until: Math.min(expSeconds * 1000, now + VERIFIED_TTL_MS) });
  }
}

const VERIFIED_TTL_MS = 60_000;

/** Why a token that jose refused is refused, in words for the client. */
function refusalReason(err: unknown): string {
  const { code, claim } = err as { code?: string; claim?: string };
  if (code === 'ERR_JWT_EXPIRED') return 'token expired';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'exp') return 'token has no expiry (exp)';
  return 'invalid token';
}

export function requireUser(secret: string, maxLifetimeSeconds = DEFAULT_JWT_MAX_LIFETIME_SECONDS) {
  const key = new TextEncoder().encode(secret);
  const verified = new VerifiedTokens(10_000);
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return next(new UnauthorizedError('missing bearer token in the Authorization header'));
    const token = m[1]!;
    const now = Date.now();
    let sub = verified.subjectOf(token, now);
    if (sub === undefined) {
      let exp: number;
      let iat: number | undefined;
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
        sub = payload.sub;
        exp = payload.exp!;
        iat = payload.iat;
      } catch (err) {
        return next(new UnauthorizedError(refusalReason(err)));
      }
      // From issue when the token says (an iat in the future counts from now), else from now.
      const from = Math.min(iat ?? Infinity, Math.floor(now / 1000));
      if (exp - from > maxLifetimeSeconds) {
        return next(
          new UnauthorizedError(
            `token lifetime exceeds the maximum of ${maxLifetimeSeconds} s (JWT_MAX_LIFETIME_SECONDS)`,
          ),
        );
      }
      if (!sub) return next(new UnauthorizedError('token has no subject'));
      if (hasNul(sub)) return next(new ValidationError([{ field: 'sub', message: `of the token ${NUL_MESSAGE}` }]));
      verified.remember(token, sub, exp, now);
    }
    if (req.params.userId !== sub) return next(new NotFoundError('resource'));
    res.locals.userId = sub;
    next();
  };
}

/**
 * A development token for `userId` (used by `npm run token`, the web page's sign-in and the tests),
 * by default valid 12 h, or JWT_MAX_LIFETIME_SECONDS when that is shorter, so the API accepts it.
 */
export async function signToken(
  secret: string,
  userId: string,
  expiresIn: string | number = `${Math.min(12 * 3600, jwtMaxLifetimeSeconds())}s`,
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
