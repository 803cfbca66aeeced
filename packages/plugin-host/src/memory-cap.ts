/**
 * Caps what a core WebAssembly module can grow, by rewriting its memory and table sections.
 *
 * Worker `resourceLimits` bound the JS heap only; wasm memory grows outside it (a memory bomb
 * reached 2.2 GB under a 64 MB heap limit). Declaring a maximum on every memory the module
 * defines makes V8 itself refuse `memory.grow` past it: the guest sees an allocation failure and
 * traps, whatever the code does. Tables live in the JS heap, but V8 grows them in one runtime call
 * that the heap limit cannot interrupt: a module growing eight tables brought the whole process
 * down ("Reached heap limit"), so tables get a declared maximum too. Imported memories and tables
 * need no patch: they are defined, and so capped, in the module that exports them.
 *
 * A plugin's caps cover all its memories and tables together: the caller divides them among every
 * memory and table its component instantiates (memory-plan.ts) and caps each module with one share.
 */

const WASM_PAGE = 64 * 1024;
const TABLE_SECTION = 4;
const MEMORY_SECTION = 5;
const HAS_MAXIMUM = 0x01;
const IS_64_BIT = 0x04;
/** `0x40 0x00`: a table with an initializer expression (function references). */
const TABLE_WITH_INITIALIZER = 0x40;
/** `(ref null? ht)` reference types carry a heap type after the type byte. */
const TYPED_REFERENCE = new Set([0x63, 0x64]);

export class MemoryCapError extends Error {
  override name = 'MemoryCapError';
  constructor(
    message: string,
    /** What could not be capped, when it is one memory or table rather than the module. */
    readonly resource?: 'memory' | 'table',
  ) {
    super(message);
  }
}

/** What each memory and each table a module defines may grow to. */
export interface ModuleCaps {
  memoryBytes: number;
  tableElements: number;
}

/** Memories and tables a module defines (imported ones are defined elsewhere). */
export interface Definitions {
  memories: number;
  tables: number;
}

/** Caps every memory and table the module defines; one that needs more at start is refused. */
export function capModule(module: Uint8Array, caps: ModuleCaps): Uint8Array {
  const sections = findSections(module);
  const maxPages = Math.floor(caps.memoryBytes / WASM_PAGE);
  const rewrites = [
    { section: sections.get(TABLE_SECTION), id: TABLE_SECTION },
    { section: sections.get(MEMORY_SECTION), id: MEMORY_SECTION },
  ].flatMap(({ section, id }) => {
    if (!section) return [];
    const content = module.subarray(section.start, section.end);
    const rewritten =
      id === MEMORY_SECTION
        ? rewriteMemorySection(content, maxPages)
        : rewriteTableSection(content, caps.tableElements);
    return [
      { ...section, bytes: concat(Uint8Array.of(id), encodeLeb(rewritten.length), rewritten) },
    ];
  });
  // Sections in their order: tables (4) come before memories (5).
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const { offset, end, bytes } of rewrites) {
    parts.push(module.subarray(at, offset), bytes);
    at = end;
  }
  parts.push(module.subarray(at));
  return concat(...parts);
}

export function definitions(module: Uint8Array): Definitions {
  const sections = findSections(module);
  const count = (id: number) => {
    const section = sections.get(id);
    return section ? readLeb(module, section.start).value : 0;
  };
  return { memories: count(MEMORY_SECTION), tables: count(TABLE_SECTION) };
}

interface Section {
  /** Where its id byte is. */
  offset: number;
  /** Its content. */
  start: number;
  end: number;
}

function findSections(module: Uint8Array): Map<number, Section> {
  if (module.length < 8 || readU32(module, 0) !== 0x6d736100) {
    throw new MemoryCapError('not a WebAssembly core module');
  }
  const sections = new Map<number, Section>();
  let offset = 8;
  while (offset < module.length) {
    const id = module[offset] as number;
    const size = readLeb(module, offset + 1);
    const start = size.next;
    const end = start + size.value;
    if (end > module.length) throw new MemoryCapError('truncated section');
    if (id === TABLE_SECTION || id === MEMORY_SECTION) sections.set(id, { offset, start, end });
    offset = end;
  }
  return sections;
}

function rewriteMemorySection(section: Uint8Array, maxPages: number): Uint8Array {
  return rewriteLimits(
    section,
    'memory',
    maxPages,
    (min) =>
      `the module needs ${toMiB(min)} MiB of memory at start, more than the cap of ${toMiB(maxPages)} MiB`,
  );
}

function rewriteTableSection(section: Uint8Array, maxElements: number): Uint8Array {
  return rewriteLimits(
    section,
    'table',
    maxElements,
    (min) =>
      `the module needs a table of ${min} entries at start, more than the cap of ${maxElements}`,
  );
}

/**
 * Rewrites each entry's limits (`flags min [max]`) to declare at most `cap`. A table entry has its
 * reference type first (one byte, and a heap type for typed references).
 */
function rewriteLimits(
  section: Uint8Array,
  resource: 'memory' | 'table',
  cap: number,
  tooLarge: (min: number) => string,
): Uint8Array {
  const count = readLeb(section, 0);
  const parts: Uint8Array[] = [encodeLeb(count.value)];
  let offset = count.next;
  for (let i = 0; i < count.value; i++) {
    const entryStart = offset;
    if (resource === 'table') {
      if (section[offset] === TABLE_WITH_INITIALIZER) {
        throw new MemoryCapError('tables with initializer expressions are not supported');
      }
      const type = section[offset] as number;
      offset += 1;
      if (TYPED_REFERENCE.has(type)) offset = readLeb(section, offset).next;
    }
    const flags = section[offset] as number;
    if (flags & IS_64_BIT) throw new MemoryCapError('64-bit memories and tables are not supported');
    const min = readLeb(section, offset + 1);
    let next = min.next;
    let max = cap;
    if (flags & HAS_MAXIMUM) {
      const declared = readLeb(section, next);
      max = Math.min(declared.value, cap);
      next = declared.next;
    }
    if (min.value > cap) throw new MemoryCapError(tooLarge(min.value), resource);
    parts.push(
      section.subarray(entryStart, offset),
      Uint8Array.of(flags | HAS_MAXIMUM),
      encodeLeb(min.value),
      encodeLeb(max),
    );
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
