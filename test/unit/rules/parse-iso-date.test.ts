import { describe, expect, it } from 'vitest';
import { parseIsoDateMs } from '../../../src/rules/parse-iso-date.ts';

describe('parseIsoDateMs', () => {
  it.each([
    ['2018-09-05T20:42:07+00:00', Date.UTC(2018, 8, 5, 20, 42, 7)],
    ['2018-09-05T20:42:07Z', Date.UTC(2018, 8, 5, 20, 42, 7)],
    ['2018-09-05t20:42:07z', Date.UTC(2018, 8, 5, 20, 42, 7)],
    ['2018-09-05 20:42:07+00:00', Date.UTC(2018, 8, 5, 20, 42, 7)],
    ['2018-09-05T20:42:07-05:00', Date.UTC(2018, 8, 6, 1, 42, 7)],
    ['2018-09-05T20:42:07+0530', Date.UTC(2018, 8, 5, 15, 12, 7)],
    ['2018-09-05T20:42:07+02', Date.UTC(2018, 8, 5, 18, 42, 7)],
    ['2018-09-05T20:42Z', Date.UTC(2018, 8, 5, 20, 42)],
    ['2018-09-05T20:42:07.5Z', Date.UTC(2018, 8, 5, 20, 42, 7, 500)],
    ['2018-09-05T20:42:07.123456Z', Date.UTC(2018, 8, 5, 20, 42, 7, 123)],
    ['2018-09-05', Date.UTC(2018, 8, 5)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['0050-01-01', new Date('0050-01-01T00:00:00Z').getTime()],
  ])('%s -> %d', (text, ms) => expect(parseIsoDateMs(text)).toBe(ms));

  it.each([
    ['zoneless date-time (would depend on the server time zone)', '2018-09-05T20:42:07'],
    ['impossible day', '2023-02-29'],
    ['month 13', '2018-13-01'],
    ['day 0', '2018-01-00'],
    ['hour 24', '2018-01-01T24:00:00Z'],
    ['minute 60', '2018-01-01T10:60:00Z'],
    ['offset hour 24', '2018-01-01T10:00:00+24:00'],
    ['slashes', '2018/01/01'],
    ['epoch seconds', '1536180127'],
    ['RFC 2822', 'Wed, 05 Sep 2018 20:42:07 GMT'],
    ['empty', ''],
    ['trailing text', '2018-09-05x'],
  ])('rejects %s', (_name, text) => expect(parseIsoDateMs(text)).toBeUndefined());
});
