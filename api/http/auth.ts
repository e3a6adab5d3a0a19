/**
 * Bearer-token authentication (HS256 JWT, secret from JWT_SECRET). The token's `sub` is the user;
 * a path naming another user answers 404, as if that user's data did not exist.
 */
import type { NextFunction, Request, Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { AppError, NotFoundError } from '../../lib/errors.js';

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

  remember(token: string, sub: string, expSeconds: number | undefined, now: number): void {
    // A Map iterates in insertion order: the first key is the oldest entry.
    if (this.subjects.size >= this.maxEntries) this.subjects.delete(this.subjects.keys().next().value!);
    this.subjects.set(token, {
      sub,
      until: Math.min(expSeconds === undefined ? Infinity : expSeconds * 1000, now + VERIFIED_TTL_MS),
    });
  }
}

const VERIFIED_TTL_MS = 60_000;

export function requireUser(secret: string) {
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
      let exp: number | undefined;
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
        sub = payload.sub;
        exp = payload.exp;
      } catch (err) {
        const code = (err as { code?: string }).code;
        return next(new UnauthorizedError(code === 'ERR_JWT_EXPIRED' ? 'token expired' : 'invalid token'));
      }
      if (!sub) return next(new UnauthorizedError('token has no subject'));
      verified.remember(token, sub, exp, now);
    }
    if (req.params.userId !== sub) return next(new NotFoundError('resource'));
    res.locals.userId = sub;
    next();
  };
}

/** A development token for `userId` (used by `npm run token` and the tests). */
export async function signToken(secret: string, userId: string, expiresIn: string | number = '12h'): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
