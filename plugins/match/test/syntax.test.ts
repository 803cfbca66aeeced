import { describe, expect, it } from 'vitest';
import { interestOf } from '../src/index.js';
import { parseMatch } from '../src/syntax.js';

/** What a mistake reports: the message start and the column it points at. */
function mistake(argument: string): { message: string; column: number } {
  try {
    parseMatch(argument);
  } catch (error) {
    const { message, column } = error as { message: string; column: number };
    return { message, column };
  }
  throw new Error(`${argument} parsed`);
}

describe('the match language', () => {
  it('reads clauses as udev writes match keys', () => {
    const clauses = parseMatch(
      'SUBSYSTEM=="input", ENV{ID_INPUT_JOYSTICK}=="1",KERNEL!="js*",PARENT{ID_VENDOR_ID}=="046d",TAGS=="seat"',
    );
    expect(clauses.map(({ text, key, negated, pattern }) => [text, key, negated, pattern])).toEqual(
      [
        ['SUBSYSTEM=="input"', { kind: 'self', field: 'SUBSYSTEM' }, false, 'input'],
        ['ENV{ID_INPUT_JOYSTICK}=="1"', { kind: 'env', name: 'ID_INPUT_JOYSTICK' }, false, '1'],
        ['KERNEL!="js*"', { kind: 'self', field: 'KERNEL' }, true, 'js*'],
        ['PARENT{ID_VENDOR_ID}=="046d"', { kind: 'parent', name: 'ID_VENDOR_ID' }, false, '046d'],
        ['TAGS=="seat"', { kind: 'chain', field: 'TAGS' }, false, 'seat'],
      ],
    );
  });

  it('takes bare values and ";" between clauses, which pass through Podman\'s CSV reading', () => {
    expect(
      parseMatch('SUBSYSTEM==input;ENV{ID_INPUT_JOYSTICK}==1; KERNEL!=js*').map(
        ({ text, negated, pattern }) => [text, negated, pattern],
      ),
    ).toEqual([
      ['SUBSYSTEM==input', false, 'input'],
      ['ENV{ID_INPUT_JOYSTICK}==1', false, '1'],
      ['KERNEL!=js*', true, 'js*'],
    ]);
  });

  it('takes \\" and \\\\ inside values, and keeps glob escapes', () => {
    const [clause] = parseMatch(String.raw`ENV{ID_MODEL}=="say \"hi\" \* \\"`);
    expect(clause?.pattern).toBe(String.raw`say "hi" \* \\`);
    expect(clause?.matches(String.raw`say "hi" * \ `.trimEnd())).toBe(true);
  });

  it.each([
    ['', 'expected at least one clause', 1],
    ['   ', 'expected at least one clause', 1],
    ['SUBSYSTEM="input"', 'only == and != can be used', 10],
    ['SUBSYSTEM+="input"', 'only == and != can be used', 10],
    ['SUBSYSTEM input', 'expected == or != after the key', 11],
    ['SUBSYSTEM==', 'expected a value', 12],
    ['SUBSYSTEM==in"put"', 'a value without quotes cannot contain "', 14],
    ['SUBSYSTEM=="input', 'this value has no closing quote', 12],
    ['subsystem=="input"', 'expected a key', 1],
    ['KERNEL=="sda",FOO=="1"', 'unknown key FOO', 15],
    ['ATTRS{idVendor}=="046d"', 'ATTRS{} reads sysfs attributes', 1],
    ['ENV=="1"', 'ENV needs a property name in braces', 4],
    ['ENV{ID_SEAT=="1"', 'this "{" has no closing "}"', 4],
    ['PARENT{}=="1"', '"" is not a property name', 8],
    ['KERNEL=="sda" TAG=="x"', 'expected "," or ";" between clauses', 15],
    ['KERNEL==sda;;TAG==x', 'expected a clause after ";"', 13],
    ['KERNEL=="sda",', 'expected a clause after ","', 15],
    ['KERNEL=="sda",,TAG=="x"', 'expected a clause after ","', 15],
  ])('points at the mistake in %j', (argument, message, column) => {
    const found = mistake(argument);
    expect(found.message).toContain(message);
    expect(found.column).toBe(column);
  });
});

describe('what match asks the host to offer', () => {
  it('turns positive clauses on the device into one native filter, naming only the properties used', () => {
    expect(
      interestOf(parseMatch('SUBSYSTEM=="input",KERNEL=="event*",ENV{ID_INPUT_JOYSTICK}=="1"')),
    ).toEqual({
      filters: [
        {
          hasNode: true,
          subsystem: 'input',
          sysname: 'event*',
          property: ['ID_INPUT_JOYSTICK', '1'],
        },
      ],
      ancestors: false,
      properties: ['ID_INPUT_JOYSTICK'],
    });
  });

  it('leaves negated clauses and patterns that match a missing value to the plugin', () => {
    expect(interestOf(parseMatch('ENV{ID_SEAT}!="seat1",ENV{ID_PATH}=="*",TAG=="*"'))).toEqual({
      filters: [{ hasNode: true }],
      ancestors: false,
      properties: ['ID_SEAT', 'ID_PATH'],
    });
  });

  it('offers ancestors only when a clause looks at them', () => {
    expect(interestOf(parseMatch('SUBSYSTEM=="hidraw",PARENT{ID_VENDOR_ID}=="046d"'))).toEqual({
      filters: [{ hasNode: true, subsystem: 'hidraw' }],
      ancestors: true,
      properties: ['ID_VENDOR_ID'],
    });
  });
});
