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

export function requireUser(secret: string) {
  const key = new TextEncoder().encode(secret);
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return next(new UnauthorizedError('missing bearer token in the Authorization header'));
    let sub: string | undefined;
    try {
      const { payload } = await jwtVerify(m[1]!, key, { algorithms: ['HS256'] });
      sub = payload.sub;
    } catch (err) {
      const code = (err as { code?: string }).code;
      return next(new UnauthorizedError(code === 'ERR_JWT_EXPIRED' ? 'token expired' : 'invalid token'));
    }
    if (!sub) return next(new UnauthorizedError('token has no subject'));
    if (req.params.userId !== sub) return next(new NotFoundError('resource'));
    res.locals.userId = sub;
    next();
  };
}

/** A development token for `userId` (used by `npm run token` and the tests). */
export async function signToken(secret: string, userId: string, expiresIn: string | number = '12h'): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(secret));
}
