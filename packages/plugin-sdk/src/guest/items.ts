/** One item of a list argument, with the 1-based column where it starts (for ArgumentError). */
export interface ArgumentItem {
  text: string;
  column: number;
}

/**
 * Splits a list argument (`0403:6001,046d:c52b`) into items. `;` separates items too: Podman 4
 * reads `--annotation` values as CSV, so `--annotation k=a,b` fails there unless the whole
 * annotation is quoted; `k=a;b` needs no quoting beyond the shell's.
 */
export function splitItems(argument: string): ArgumentItem[] {
  const items: ArgumentItem[] = [];
  let start = 0;
  for (let index = 0; index <= argument.length; index++) {
    if (index === argument.length || argument[index] === ',' || argument[index] === ';') {
      items.push({ text: argument.slice(start, index), column: start + 1 });
      start = index + 1;
    }
  }
  return items;
}
