import { describe, expect, it } from 'vitest';
import { capModule, MemoryCapError } from '../src/index.js';
import { definitions } from '../src/memory-cap.js';

/**
 * (module (memory (export "m") 1 [max]) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))
 * assembled by hand: small enough to read, and a real module V8 compiles.
 */
function memoryModule(memoryLimits: number[]): Uint8Array {
  const memory = [0x01, ...memoryLimits];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f],
    ...[0x03, 0x02, 0x01, 0x00],
    ...[0x05, memory.length, ...memory],
    ...[0x07, 0x0c, 0x02, 0x01, 0x6d, 0x02, 0x00, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00],
    ...[0x0a, 0x08, 0x01, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b],
  ]);
}

/**
 * (module (table (export "t") 1 [max] externref) (memory 1)
 *   (func (export "grow") (param i32) (result i32) ref.null extern local.get 0 table.grow 0))
 * A table section before the memory section: both are rewritten, in place.
 */
function tableModule(tableLimits: number[]): Uint8Array {
  const table = [0x01, 0x6f, ...tableLimits];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f],
    ...[0x03, 0x02, 0x01, 0x00],
    ...[0x04, table.length, ...table],
    ...[0x05, 0x03, 0x01, 0x00, 0x01],
    ...[0x07, 0x0c, 0x02, 0x01, 0x74, 0x01, 0x00, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00],
    ...[0x0a, 0x0b, 0x01, 0x09, 0x00, 0xd0, 0x6f, 0x20, 0x00, 0xfc, 0x0f, 0x00, 0x0b],
  ]);
}

async function grower(bytes: Uint8Array) {
  const { instance } = await WebAssembly.instantiate(bytes);
  return {
    grow: instance.exports.grow as (size: number) => number,
    memory: instance.exports.m as WebAssembly.Memory,
    table: instance.exports.t as WebAssembly.Table,
  };
}

const MiB = 2 ** 20;
const noTables = { tableElements: 1000 };

describe('capModule', () => {
  it('makes memory.grow fail past the cap', async () => {
    const plain = await grower(memoryModule([0x00, 0x01]));
    expect(plain.grow(200)).toBe(1); // 12.6 MiB: fine without a cap

    const capped = await grower(
      capModule(memoryModule([0x00, 0x01]), { memoryBytes: 4 * MiB, ...noTables }),
    );
    expect(capped.grow(10)).toBe(1);
    expect(capped.grow(100)).toBe(-1);
    expect(capped.memory.buffer.byteLength).toBe(11 * 64 * 1024);
  });

  it('keeps a declared maximum that is already lower', async () => {
    const capped = await grower(
      capModule(memoryModule([0x01, 0x01, 0x02]), { memoryBytes: 256 * MiB, ...noTables }),
    );
    expect(capped.grow(1)).toBe(1);
    expect(capped.grow(1)).toBe(-1);
  });

  it('refuses a module that needs more than the cap at start', () => {
    // min 2048 pages = 128 MiB (LEB128 0x80 0x10)
    expect(() =>
      capModule(memoryModule([0x00, 0x80, 0x10]), { memoryBytes: 64 * MiB, ...noTables }),
    ).toThrow(
      new MemoryCapError(
        'the module needs 128 MiB of memory at start, more than the cap of 64 MiB',
        'memory',
      ),
    );
  });

  it('makes table.grow fail past the cap, and leaves the memory after it intact', async () => {
    const plain = await grower(tableModule([0x00, 0x01]));
    expect(plain.grow(5000)).toBe(1);

    const bytes = capModule(tableModule([0x00, 0x01]), {
      memoryBytes: 4 * MiB,
      tableElements: 100,
    });
    const capped = await grower(bytes);
    expect(capped.grow(99)).toBe(1);
    expect(capped.grow(1)).toBe(-1);
    expect(capped.table.length).toBe(100);
    expect(definitions(bytes)).toEqual({ memories: 1, tables: 1 });
  });

  it('refuses a table that starts larger than the cap', () => {
    // min 200 entries (LEB128 0xc8 0x01)
    expect(() =>
      capModule(tableModule([0x00, 0xc8, 0x01]), { memoryBytes: MiB, tableElements: 100 }),
    ).toThrow('the module needs a table of 200 entries at start, more than the cap of 100');
  });

  it('refuses what is not a core module', () => {
    expect(() =>
      capModule(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), { memoryBytes: MiB, ...noTables }),
    ).toThrow('not a WebAssembly core module');
  });
});
