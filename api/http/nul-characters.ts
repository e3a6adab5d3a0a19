/**
 * PostgreSQL text cannot hold U+0000: a string carrying it fails in the database, after the request
 * was accepted, as a 500. One check at the API's edge refuses it in every string a request carries
 * (path parameters, query, JSON body keys and values), naming where each one was.
 */
import type { NextFunction, Request, Response } from 'express';
import { ValidationError } from '../../lib/errors.js';

export const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';

export function hasNul(s: string): boolean {
  return s.includes('\0');
}

/**
 * The dotted paths (`title`, `tags.1`) of the strings in `value` that contain U+0000; a key that
 * contains it is named with the character escaped. Iterative: a deeply nested body must not
 * exhaust the stack.
 */
export function nulFields(value: unknown): string[] {
  const found: string[] = [];
  const pending: { value: unknown; path: string }[] = [{ value, path: '' }];
  const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
  while (pending.length > 0) {
    const { value: v, path } = pending.pop()!;
    if (typeof v === 'string') {
      if (hasNul(v)) found.push(path);
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => pending.push({ value: item, path: join(path, String(i)) }));
    } else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        const keyPath = join(path, key.replaceAll('\0', '\\u0000'));
        if (hasNul(key)) found.push(keyPath);
        pending.push({ value: item, path: keyPath });
      }
    }
  }
  return found.sort();
}

/** Express middleware: 400 naming each path parameter, query parameter or body field with U+0000. */
export function refuseNulCharacters(req: Request, _res: Response, next: NextFunction): void {
  const fields = [
    ...nulFields(req.params),
    ...nulFields(req.query),
    ...(req.body === undefined ? [] : nulFields(req.body).map((f) => f || 'body')),
  ];
  if (fields.length === 0) return next();
  next(new ValidationError([...new Set(fields)].map((field) => ({ field, message: NUL_MESSAGE }))));
}
