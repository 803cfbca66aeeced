/**
 * Shell-style globs as udev rules use them (fnmatch(3) without flags): `*` any run of characters,
 * `?` one character, `[abc]`, `[a-z]` and `[!a-z]` a set. `|` separates alternatives, as in udev.
 */
export function globToRegExp(pattern: string): RegExp {
  const alternatives = pattern.split('|').map(translate);
  return new RegExp(`^(?:${alternatives.join('|')})$`, 's');
}

export function matchGlob(pattern: string, value: string): boolean {
  return globToRegExp(pattern).test(value);
}

export function isGlob(pattern: string): boolean {
  return /[*?[|]/.test(pattern);
}

function translate(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return out;
}
