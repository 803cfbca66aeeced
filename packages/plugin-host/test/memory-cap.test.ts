import { describe, expect, it } from 'vitest';
import { capMemory, MemoryCapError } from '../src/index.js';

/**
 * (module (memory (export "m") 1 [max]) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))
 * assembled by hand: small enough to read, and a real module V8 compiles.
 */
function module(memoryLimits: number[]): Uint8Array {
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

async function grower(bytes: Uint8Array) {
  const { instance } = await WebAssembly.instantiate(bytes);
  return {
    grow: instance.exports.grow as (pages: number) => number,
    memory: instance.exports.m as WebAssembly.Memory,
  };
}

const MiB = 2 ** 20;

describe('capMemory', () => {
  it('makes memory.grow fail past the cap', async () => {
    const plain = await grower(module([0x00, 0x01]));
    expect(plain.grow(200)).toBe(1); // 12.6 MiB: fine without a cap

    const capped = await grower(capMemory(module([0x00, 0x01]), 4 * MiB));
    expect(capped.grow(10)).toBe(1);
    expect(capped.grow(100)).toBe(-1);
    expect(capped.memory.buffer.byteLength).toBe(11 * 64 * 1024);
  });

  it('keeps a declared maximum that is already lower', async () => {
    const capped = await grower(capMemory(module([0x01, 0x01, 0x02]), 256 * MiB));
    expect(capped.grow(1)).toBe(1);
    expect(capped.grow(1)).toBe(-1);
  });

  it('refuses a module that needs more than the cap at start', () => {
    // min 2048 pages = 128 MiB (LEB128 0x80 0x10)
    expect(() => capMemory(module([0x00, 0x80, 0x10]), 64 * MiB)).toThrow(
      new MemoryCapError(
        'the module needs 128 MiB of memory at start, more than the cap of 64 MiB',
      ),
    );
  });

  it('refuses what is not a core module', () => {
    expect(() => capMemory(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), MiB)).toThrow(
      'not a WebAssembly core module',
    );
  });
});
