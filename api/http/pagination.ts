/** Query fields every paginated list shares: `limit` and an opaque `cursor` its route decodes. */
import { z } from 'zod';

export const pageLimit = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(100, 'must be at most 100')
  .default(20);

/** A cursor field valid when the route's decoder understands it. */
export function pageCursor(decode: (cursor: string) => unknown) {
  return z
    .string()
    .refine((c) => decode(c) !== undefined, 'must be a cursor returned by a previous page')
    .optional();
}
