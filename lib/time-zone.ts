/**
 * IANA time zones of people: validation and the canonical spelling we store. Instants stay UTC
 * everywhere else; a zone only says how a person reads them.
 */
import { IANAZone } from 'luxon';

/** The zone of a person who never said otherwise. */
export const DEFAULT_TIME_ZONE = 'UTC';

/**
 * The canonical IANA name of `zone` ("europe/berlin" → "Europe/Berlin"), or undefined when it is
 * not a zone this runtime knows.
 */
export function canonicalTimeZone(zone: unknown): string | undefined {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64 || !IANAZone.isValidZone(zone))
    return undefined;
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  return name === 'Etc/UTC' || name === 'Etc/GMT' ? DEFAULT_TIME_ZONE : name;
}
