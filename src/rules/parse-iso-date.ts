/**
 * Strict ISO-8601 parsing for rule values and product dates. BigCommerce writes dates like
 * `2018-09-05T20:42:07+00:00`. We accept a date alone (`2024-01-31`, taken as UTC midnight) or a
 * date-time WITH a zone (`Z`, `+00:00`, `+0000`, `+05`); a date-time without a zone is refused,
 * because `Date.parse` would read it in the server's local time and rules must not depend on
 * where they run. Impossible calendar dates (`2023-02-30`) are refused rather than rolled over.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?))?$/;

/** Epoch milliseconds of an ISO-8601 string, or undefined when it is not one (see above). */
export function parseIsoDateMs(text: string): number | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const offH = Number(digits.slice(0, 2));
    const offM = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (offH > 23 || offM > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offH * 60 + offM);
  }
  return date.getTime() + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + ms;
}
