import { describe, expect, it } from 'vitest';
import { splitItems } from '../src/guest/index.js';

describe('splitItems', () => {
  it('splits at commas and semicolons, with the column each item starts at', () => {
    expect(splitItems('0403:6001,046d:c52b;1a86:7523')).toEqual([
      { text: '0403:6001', column: 1 },
      { text: '046d:c52b', column: 11 },
      { text: '1a86:7523', column: 21 },
    ]);
  });

  it('keeps empty items, so a parser can point at them', () => {
    expect(splitItems('')).toEqual([{ text: '', column: 1 }]);
    expect(splitItems('sound,')).toEqual([
      { text: 'sound', column: 1 },
      { text: '', column: 7 },
    ]);
  });
});
