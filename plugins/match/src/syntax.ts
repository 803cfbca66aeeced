import { ArgumentError, compileGlob, type GlobMatcher } from '@devbinder/plugin-sdk/guest';

/** Keys that test the device itself. */
const SELF_KEYS = ['KERNEL', 'SUBSYSTEM', 'DRIVER', 'DEVPATH', 'TAG', 'SYMLINK'] as const;
/** udev's upward-searching keys: the device or one of its ancestors, all on the same one. */
const CHAIN_KEYS = ['KERNELS', 'SUBSYSTEMS', 'DRIVERS', 'TAGS'] as const;

export type SelfField = (typeof SELF_KEYS)[number];
export type ChainField = (typeof CHAIN_KEYS)[number];

export type Key =
  | { kind: 'self'; field: SelfField }
  | { kind: 'env'; name: string }
  | { kind: 'chain'; field: ChainField }
  | { kind: 'parent'; name: string };

export interface Clause {
  /** As written, for reasons: `ENV{ID_SEAT}!="seat1"`. */
  text: string;
  key: Key;
  /** `!=`: the clause holds when the value does not match. */
  negated: boolean;
  /** The glob, quotes and escapes removed. */
  pattern: string;
  matches: GlobMatcher;
}

const KNOWN = [...SELF_KEYS, 'ENV{…}', ...CHAIN_KEYS, 'PARENT{…}'].join(', ');
const PROPERTY_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses `KEY=="glob",KEY!="glob",…` as udev writes match keys. Every error carries the 1-based
 * column where the mistake is.
 *
 * Podman 4 reads `--annotation` values as CSV: it splits them at commas and refuses bare quotes.
 * So values may also be bare words (`KERNEL==ttyACM*`) and clauses may also be separated by `;`:
 * `SUBSYSTEM==input;ENV{ID_INPUT_JOYSTICK}==1` passes through Podman untouched.
 */
export function parseMatch(argument: string): Clause[] {
  const scanner = new Scanner(argument);
  const clauses: Clause[] = [];
  scanner.skipSpaces();
  if (scanner.done()) {
    throw new ArgumentError('expected at least one clause, e.g. SUBSYSTEM=="input"', 1);
  }
  for (;;) {
    clauses.push(parseClause(scanner));
    scanner.skipSpaces();
    if (scanner.done()) return clauses;
    const separator = scanner.peek();
    if (separator !== ',' && separator !== ';') {
      throw scanner.error('expected "," or ";" between clauses (clauses are ANDed)');
    }
    scanner.advance(1);
    scanner.skipSpaces();
    if (scanner.done() || scanner.peek() === ',' || scanner.peek() === ';') {
      throw scanner.error(`expected a clause after "${separator}"`);
    }
  }
}

function parseClause(scanner: Scanner): Clause {
  const start = scanner.position;
  const key = parseKey(scanner);
  scanner.skipSpaces();
  const operatorColumn = scanner.column();
  let negated: boolean;
  if (scanner.startsWith('==')) negated = false;
  else if (scanner.startsWith('!=')) negated = true;
  else if (/^(=|\+=|-=|:=)/.test(scanner.rest())) {
    throw new ArgumentError(
      'only == and != can be used: assignments (=, +=, -=, :=) are udev rule actions, not matches',
      operatorColumn,
    );
  } else throw new ArgumentError('expected == or != after the key', operatorColumn);
  scanner.advance(2);
  scanner.skipSpaces();
  const pattern = scanner.peek() === '"' ? parseQuoted(scanner) : parseBare(scanner);
  return {
    text: scanner.text.slice(start, scanner.position),
    key,
    negated,
    pattern,
    matches: compileGlob(pattern),
  };
}

function parseKey(scanner: Scanner): Key {
  const column = scanner.column();
  const word = /^[A-Z]+/.exec(scanner.rest())?.[0];
  if (!word) throw new ArgumentError(`expected a key (${KNOWN})`, column);
  scanner.advance(word.length);
  if (word === 'ENV' || word === 'PARENT') {
    const name = parseBraced(scanner, word);
    return word === 'ENV' ? { kind: 'env', name } : { kind: 'parent', name };
  }
  if (word === 'ATTR' || word === 'ATTRS') {
    throw new ArgumentError(
      `${word}{} reads sysfs attributes, which the udev database does not hold: match a property with ENV{} or PARENT{} instead`,
      column,
    );
  }
  const self = SELF_KEYS.find((known) => known === word);
  if (self) return { kind: 'self', field: self };
  const chain = CHAIN_KEYS.find((known) => known === word);
  if (chain) return { kind: 'chain', field: chain };
  throw new ArgumentError(`unknown key ${word} (known: ${KNOWN})`, column);
}

function parseBraced(scanner: Scanner, key: string): string {
  if (scanner.peek() !== '{') {
    throw scanner.error(`${key} needs a property name in braces, e.g. ${key}{ID_VENDOR_ID}`);
  }
  const open = scanner.column();
  const close = scanner.text.indexOf('}', scanner.position);
  if (close === -1) throw new ArgumentError(`this "{" has no closing "}"`, open);
  const name = scanner.text.slice(scanner.position + 1, close);
  if (!PROPERTY_NAME.test(name)) {
    throw new ArgumentError(
      `"${name}" is not a property name: use letters, digits, "_", "." and "-"`,
      open + 1,
    );
  }
  scanner.advance(close + 1 - scanner.position);
  return name;
}

/** A value without quotes: everything up to a separator, a space or the end. */
function parseBare(scanner: Scanner): string {
  const value = /^[^,;\s"]*/.exec(scanner.rest())?.[0] ?? '';
  if (value === '') {
    throw scanner.error('expected a value, e.g. "input" (or input, without quotes)');
  }
  scanner.advance(value.length);
  if (scanner.peek() === '"') throw scanner.error('a value without quotes cannot contain "');
  return value;
}

/** A double-quoted value; `\"` and `\\` stand for `"` and `\`, other escapes are the glob's. */
function parseQuoted(scanner: Scanner): string {
  const open = scanner.column();
  let value = '';
  for (let at = scanner.position + 1; at < scanner.text.length; at++) {
    const c = scanner.text.charAt(at);
    if (c === '"') {
      scanner.advance(at + 1 - scanner.position);
      return value;
    }
    if (c === '\\' && (scanner.text[at + 1] === '"' || scanner.text[at + 1] === '\\')) {
      value += scanner.text.charAt(++at) === '"' ? '"' : '\\\\';
    } else value += c;
  }
  throw new ArgumentError('this value has no closing quote', open);
}

class Scanner {
  position = 0;
  constructor(readonly text: string) {}
  done(): boolean {
    return this.position >= this.text.length;
  }
  peek(): string {
    return this.text.charAt(this.position);
  }
  rest(): string {
    return this.text.slice(this.position);
  }
  startsWith(prefix: string): boolean {
    return this.text.startsWith(prefix, this.position);
  }
  advance(count: number): void {
    this.position += count;
  }
  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.position++;
  }
  column(): number {
    return this.position + 1;
  }
  error(message: string): ArgumentError {
    return new ArgumentError(message, this.column());
  }
}
