import { describe, expect, it } from 'vitest';
import { compileGlob, globToRegExp, isGlob, matchGlob } from '../src/index.js';

/** Pattern, value, expected: each case is checked by the matcher and by the RegExp alike. */
const cases: Array<[string, string, boolean]> = [
  ['ttyUSB*', 'ttyUSB0', true],
  ['ttyUSB*', 'ttyACM0', false],
  ['*', '', true],
  ['*', 'a/b', true],
  ['tty?', 'tty1', true],
  ['tty?', 'tty12', false],
  ['sd[a-c]', 'sdb', true],
  ['sd[a-c]', 'sdd', false],
  ['sd[!a-c]', 'sdd', true],
  ['sd[^a-c]', 'sda', false],
  ['[]x]', ']', true],
  ['[!]x]', ']', false],
  ['a[', 'a[', true],
  ['a\\*', 'a*', true],
  ['a\\*', 'ab', false],
  ['event*|mouse*', 'mouse0', true],
  ['event*|mouse*', 'js0', false],
  ['*a*b', 'xxaxxb', true],
  ['*a*b', 'xxbxxa', false],
  ['a**b', 'ab', true],
  ['a.b', 'axb', false],
  ['(x)+', '(x)+', true],
];

describe('globs as udev matches them', () => {
  it.each(cases)('%s against %s is %s', (pattern, value, expected) => {
    expect(matchGlob(pattern, value)).toBe(expected);
    expect(globToRegExp(pattern).test(value)).toBe(expected);
  });

  it('tells globs from literal values', () => {
    expect(['a*', 'a?', 'a[b]', 'a|b', 'a\\b'].map(isGlob)).toEqual([true, true, true, true, true]);
    expect(isGlob('seat0')).toBe(false);
  });

  it('matches a pathological pattern without backtracking for ages', () => {
    const matcher = compileGlob(`${'*a'.repeat(40)}b`);
    expect(matcher('a'.repeat(20_000))).toBe(false);
  });
});
