/**
 * Caps the linear memory of a core WebAssembly module by rewriting its memory section.
 *
 * Worker `resourceLimits` bound the JS heap only; wasm memory grows outside it (a memory bomb
 * reached 2.2 GB under a 64 MB heap limit). Declaring a maximum on every memory the module
 * defines makes V8 itself refuse `memory.grow` past the cap: the guest sees an allocation failure
 * and traps, whatever the code does. Imported memories need no patch: they are defined, and so
 * capped, in the module that exports them.
 */

const WASM_PAGE = 64 * 1024;
const MEMORY_SECTION = 5;
const HAS_MAXIMUM = 0x01;
const IS_64_BIT = 0x04;

export class MemoryCapError extends Error {
  override name = 'MemoryCapError';
}

export function capMemory(module: Uint8Array, maxBytes: number): Uint8Array {
  const maxPages = Math.floor(maxBytes / WASM_PAGE);
  if (module.length < 8 || readU32(module, 0) !== 0x6d736100) {
    throw new MemoryCapError('not a WebAssembly core module');
  }
  let offset = 8;
  while (offset < module.length) {
    const id = module[offset] as number;
    const size = readLeb(module, offset + 1);
    const contentStart = size.next;
    const contentEnd = contentStart + size.value;
    if (contentEnd > module.length) throw new MemoryCapError('truncated section');
    if (id === MEMORY_SECTION) {
      const content = rewriteMemorySection(module.subarray(contentStart, contentEnd), maxPages);
      return concat(
        module.subarray(0, offset),
        Uint8Array.of(MEMORY_SECTION),
        encodeLeb(content.length),
        content,
        module.subarray(contentEnd),
      );
    }
    offset = contentEnd;
  }
  return module;
}

function rewriteMemorySection(section: Uint8Array, maxPages: number): Uint8Array {
  const count = readLeb(section, 0);
  const parts: Uint8Array[] = [encodeLeb(count.value)];
  let offset = count.next;
  for (let i = 0; i < count.value; i++) {
    const flags = section[offset] as number;
    if (flags & IS_64_BIT) throw new MemoryCapError('64-bit memories are not supported');
    const min = readLeb(section, offset + 1);
    let next = min.next;
    let max = maxPages;
    if (flags & HAS_MAXIMUM) {
      const declared = readLeb(section, next);
      max = Math.min(declared.value, maxPages);
      next = declared.next;
    }
    if (min.value > maxPages) {
      throw new MemoryCapError(
        `the module needs ${toMiB(min.value)} MiB of memory at start, more than the cap of ${toMiB(maxPages)} MiB`,
      );
    }
    parts.push(Uint8Array.of(flags | HAS_MAXIMUM), encodeLeb(min.value), encodeLeb(max));
    offset = next;
  }
  parts.push(section.subarray(offset));
  return concat(...parts);
}

function toMiB(pages: number): number {
  return (pages * WASM_PAGE) / (1024 * 1024);
}

function readU32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, true);
}

function readLeb(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    if (position >= bytes.length || shift > 28) throw new MemoryCapError('malformed LEB128 number');
    const byte = bytes[position++] as number;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) return { value, next: position };
  }
}

function encodeLeb(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return Uint8Array.from(out);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
