/**
 * Shell-style globs as udev rules use them: fnmatch(3) without flags, plus udev's `|` between
 * alternatives. `*` matches any run of characters (`/` included), `?` one character, `[abc]`,
 * `[a-z]`, `[!a-z]` (or `[^a-z]`) a set, and `\` makes the next character literal.
 *
 * Matching never uses a RegExp: the host evaluates plugins' filter globs on its own thread, where a
 * pattern like `*a*a*a*a*b` must not backtrack exponentially. The greedy algorithm below is
 * O(pattern × value) in the worst case.
 */

type Token =
  | { kind: 'char'; char: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'set'; negated: boolean; singles: string; ranges: Array<[string, string]> };

/** A compiled glob: true when the whole value matches one of its alternatives. */
export type GlobMatcher = (value: string) => boolean;

export function compileGlob(pattern: string): GlobMatcher {
  const alternatives = pattern.split('|').map(tokenize);
  return (value) => alternatives.some((tokens) => matchTokens(tokens, value));
}

export function matchGlob(pattern: string, value: string): boolean {
  return compileGlob(pattern)(value);
}

/** True when the pattern has any glob syntax, i.e. is not just a literal value. */
export function isGlob(pattern: string): boolean {
  return /[*?[|\\]/.test(pattern);
}

/**
 * The same glob as an anchored RegExp, for plugin code that wants one. The host never uses it: a
 * RegExp with several `.*` can backtrack for a long time.
 */
export function globToRegExp(pattern: string): RegExp {
  const alternatives = pattern
    .split('|')
    .map((alternative) => tokenize(alternative).map(tokenSource).join(''));
  return new RegExp(`^(?:${alternatives.join('|')})$`, 's');
}

function tokenSource(token: Token): string {
  const literal = (char: string) => char.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  if (token.kind === 'char') return literal(token.char);
  if (token.kind === 'any') return '.';
  if (token.kind === 'star') return '.*';
  const body =
    [...token.singles].map(literal).join('') +
    token.ranges.map(([from, to]) => `${literal(from)}-${literal(to)}`).join('');
  return `[${token.negated ? '^' : ''}${body}]`;
}

function tokenize(glob: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*') {
      // Consecutive stars match what one star matches.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '\\' && i + 1 < glob.length)
      tokens.push({ kind: 'char', char: glob.charAt(++i) });
    else if (c === '[') {
      const set = readSet(glob, i);
      if (set) {
        tokens.push(set.token);
        i = set.end;
      } else tokens.push({ kind: 'char', char: '[' }); // No closing bracket: a literal "[".
    } else tokens.push({ kind: 'char', char: c });
  }
  return tokens;
}

/** Reads `[...]` starting at `start`; undefined when it is not closed. */
function readSet(glob: string, start: number): { token: Token; end: number } | undefined {
  let i = start + 1;
  const negated = glob[i] === '!' || glob[i] === '^';
  if (negated) i++;
  let singles = '';
  const ranges: Array<[string, string]> = [];
  // A "]" right after the opening bracket (or its negation) is a member, not the end.
  for (let first = true; i < glob.length; first = false) {
    const c = glob.charAt(i);
    if (c === ']' && !first) return { token: { kind: 'set', negated, singles, ranges }, end: i };
    if (glob[i + 1] === '-' && i + 2 < glob.length && glob[i + 2] !== ']') {
      ranges.push([c, glob.charAt(i + 2)]);
      i += 3;
    } else {
      singles += c;
      i++;
    }
  }
  return undefined;
}

function matchesOne(token: Token, char: string): boolean {
  switch (token.kind) {
    case 'char':
      return token.char === char;
    case 'any':
      return true;
    case 'star':
      return false;
    case 'set': {
      const member =
        token.singles.includes(char) ||
        token.ranges.some(([from, to]) => from <= char && char <= to);
      return member !== token.negated;
    }
  }
}

/**
 * Greedy matching with one backtrack point: on a mismatch, the last star takes one more character.
 * Every other token matches exactly one character, so that is enough to find a match if any exists.
 */
function matchTokens(tokens: readonly Token[], value: string): boolean {
  let t = 0;
  let v = 0;
  let star = -1;
  let starValue = 0;
  while (v < value.length) {
    const token = tokens[t];
    if (token?.kind === 'star') {
      star = t++;
      starValue = v;
    } else if (token !== undefined && matchesOne(token, value.charAt(v))) {
      t++;
      v++;
    } else if (star >= 0) {
      t = star + 1;
      v = ++starValue;
    } else return false;
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}
