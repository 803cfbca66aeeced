import { describe, expect, it } from 'vitest';
import { checkChoices } from '../src/choices.js';

const offered = [{ syspath: '/sys/devices/a' }, { syspath: '/sys/devices/b' }];

describe('checkChoices', () => {
  it('accepts [index, reason] pairs for offered devices', () => {
    expect(checkChoices('[1, "why", 0, "because"]', offered)).toEqual({
      choices: [
        { index: 1, reason: 'why' },
        { index: 0, reason: 'because' },
      ],
    });
    expect(checkChoices('[]', [])).toEqual({ choices: [] });
  });

  it.each([
    ['[2, "x"]', 'chose device #2, but only #0 to #1 were offered'],
    ['[-1, "x"]', 'chose device #-1, but only #0 to #1 were offered'],
    ['[0.5, "x"]', 'chose device #0.5, but only #0 to #1 were offered'],
    ['["0", "x"]', 'chose device #"0", but only #0 to #1 were offered'],
    ['[1, "x", 1, "y"]', 'chose device #1 (/sys/devices/b) twice'],
    ['[1, 7]', 'gave device 1 a reason that is not a string'],
    ['[1]', 'answered with something other than [index, reason, …] pairs'],
    ['{"0": "x"}', 'answered with something other than [index, reason, …] pairs'],
    ['[1, "x"', 'answered with text that is not JSON'],
  ])('refuses %s', (json, problem) => {
    expect(checkChoices(json, offered)).toEqual({ problem });
  });

  it('says so when nothing was offered', () => {
    expect(checkChoices('[0, "x"]', [])).toEqual({
      problem: 'chose device #0, but no device was offered',
    });
  });
});
