/**
 * Answers that break the select contract, written against the raw WIT exports (the SDK would not
 * let a plugin produce them).
 */
export function interest(_argument: string) {
  return { filters: [{ hasNode: true }], ancestors: false, descendants: false };
}

export function select(argument: string, devices: Uint8Array): Uint8Array {
  const offered = (JSON.parse(new TextDecoder().decode(devices)) as unknown[]).length;
  return new TextEncoder().encode(answer(argument, offered));
}

function answer(argument: string, offered: number): string {
  switch (argument) {
    case 'out-of-range':
      return JSON.stringify([offered, 'one past the last offered device']);
    case 'duplicate':
      return JSON.stringify([0, 'first time', 0, 'second time']);
    case 'not-json':
      return '[0, "cut short"';
    case 'oversized':
      return JSON.stringify([0, 'x'.repeat(offered * 8192 + 4096)]);
    case 'throw-number':
      // Not the WIT error variant: componentize-js cannot lower it.
      throw 42;
    default:
      return '[]';
  }
}
