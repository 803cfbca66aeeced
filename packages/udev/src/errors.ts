/**
 * Text from udev or the kernel that does not follow its format. The message names where the text
 * came from and the line: `capture.txt:42: malformed D: line "b seven"`.
 */
export class UdevParseError extends Error {
  override readonly name = 'UdevParseError';

  constructor(
    readonly origin: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${origin}:${line}: ${problem}`);
  }
}

/** Quotes offending text for an error message, escaping control characters. */
export function quote(text: string): string {
  return JSON.stringify(text);
}
