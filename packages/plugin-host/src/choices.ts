/** A checked choice: an index into the offered devices and the plugin's reason for it. */
export interface CheckedChoice {
  index: number;
  reason: string;
}

/**
 * Checks what a plugin's `select` returned (`[index, reason, index, reason, …]` as JSON) against
 * the offer: every index an integer in range and chosen once, every reason a string. Returns a
 * problem for the user instead of throwing, so the caller can name the plugin.
 */
export function checkChoices(
  json: string,
  offered: readonly { syspath: string }[],
): { choices: CheckedChoice[] } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { problem: 'answered with text that is not JSON' };
  }
  if (!Array.isArray(value) || value.length % 2 !== 0) {
    return { problem: 'answered with something other than [index, reason, …] pairs' };
  }
  const choices: CheckedChoice[] = [];
  const seen = new Set<number>();
  for (let at = 0; at < value.length; at += 2) {
    const index: unknown = value[at];
    const reason: unknown = value[at + 1];
    const device = typeof index === 'number' ? offered[index] : undefined;
    if (device === undefined || !Number.isInteger(index)) {
      const range =
        offered.length === 0 ? 'no device was' : `only #0 to #${offered.length - 1} were`;
      return { problem: `chose device #${describe(index)}, but ${range} offered` };
    }
    if (seen.has(index as number)) {
      return { problem: `chose device #${index} (${device.syspath}) twice` };
    }
    if (typeof reason !== 'string') {
      return { problem: `gave device ${index} a reason that is not a string` };
    }
    seen.add(index as number);
    choices.push({ index: index as number, reason });
  }
  return { choices };
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
