import { describe, expect, it } from 'vitest';
import { humanDuration, humanSize, humanSizeWithPrecision, parseGoDuration, timeAgo } from '../../../cmd/format/human.ts';
import { InvalidDurationError } from '../../../cmd/format/errors.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;

describe('humanSize (go-units HumanSizeWithPrecision(n, 3))', () => {
  it.each([
    [0, '0B'], [999, '999B'], [1000, '1kB'], [1024, '1.02kB'], [1468006, '1.47MB'], [5_600_000, '5.6MB'],
    [999_999, '1e+03kB'], [1e9, '1GB'], [123_456_789_012, '123GB'], [7.3e12, '7.3TB'], [1e27, '1e+03YB'],
  ])('%d → %s', (bytes, expected) => {
    expect(humanSize(bytes)).toBe(expected);
  });

  it('HumanSize uses 4 digits', () => {
    expect(humanSizeWithPrecision(2_746_000, 4)).toBe('2.746MB');
  });
});

describe('humanDuration (go-units HumanDuration, its own test table)', () => {
  it.each([
    [450, 'Less than a second'], [1 * SECOND, '1 second'], [45 * SECOND, '45 seconds'], [59 * SECOND, '59 seconds'],
    [60 * SECOND, 'About a minute'], [3 * MINUTE, '3 minutes'], [35 * MINUTE + 40 * SECOND, '35 minutes'],
    [59 * MINUTE, '59 minutes'], [HOUR, 'About an hour'], [HOUR + 29 * MINUTE, 'About an hour'],
    [HOUR + 31 * MINUTE, '2 hours'], [3 * HOUR + 29 * MINUTE, '3 hours'], [3 * HOUR + 31 * MINUTE, '4 hours'],
    [24 * HOUR, '24 hours'], [DAY + 12 * HOUR, '36 hours'], [2 * DAY, '2 days'], [7 * DAY, '7 days'],
    [13 * DAY + 5 * HOUR, '13 days'], [2 * WEEK, '2 weeks'], [2 * WEEK + 4 * DAY, '2 weeks'], [4 * WEEK + 3 * DAY, '4 weeks'],
    [MONTH, '4 weeks'], [MONTH + 2 * WEEK, '6 weeks'], [2 * MONTH, '2 months'], [3 * MONTH + WEEK, '3 months'],
    [13 * MONTH, '13 months'], [24 * MONTH, '24 months'], [24 * MONTH + 2 * WEEK, '2 years'], [3 * YEAR + 2 * MONTH, '3 years'],
    [-5 * SECOND, 'Less than a second'],
  ])('%d ms → %s', (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });

  it('timeAgo appends " ago"', () => {
    const now = new Date(Date.UTC(2024, 0, 1, 12));
    expect(timeAgo(new Date(now.getTime() - 2 * HOUR), now)).toBe('2 hours ago');
    expect(timeAgo(now.getTime() - 30 * SECOND, now.getTime())).toBe('30 seconds ago');
  });
});

describe('parseGoDuration (time.ParseDuration)', () => {
  it.each([
    ['1h30m', 90 * MINUTE], ['300ms', 300], ['-1.5h', -1.5 * HOUR], ['2h45m', 2 * HOUR + 45 * MINUTE], ['10m', 10 * MINUTE],
    ['1.5us', 0.0015], ['1µs', 0.001], ['100ns', 0.0001], ['0', 0], ['+5s', 5000], ['.5s', 500], ['1h0m0s', HOUR],
  ])('%s → %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each([
    ['', 'time: invalid duration ""'], ['1', 'time: missing unit in duration "1"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'], ['.s', 'time: invalid duration ".s"'],
    ['h', 'time: invalid duration "h"'], ['1µ', 'time: unknown unit "\\xc2\\xb5" in duration "1\\xc2\\xb5"'], ['1h-2m', 'time: unknown unit "h-" in duration "1h-2m"'],
  ])('%j is rejected', (text, message) => {
    expect(() => parseGoDuration(text)).toThrow(InvalidDurationError);
    expect(() => parseGoDuration(text)).toThrow(message);
  });
});
