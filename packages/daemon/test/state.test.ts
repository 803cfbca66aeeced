import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseState, StateStore } from '../src/state.js';

const ID = 'a'.repeat(64);
const state = {
  id: ID,
  startedAt: '2026-11-25T20:44:57.221318187Z',
  nodes: [{ path: '/dev/zram1', type: 'b' as const, major: 253, minor: 1 }],
};

describe('parseState', () => {
  it('reads what StateStore writes', () => {
    expect(parseState(JSON.stringify({ format: 1, ...state }), ID)).toEqual(state);
  });

  it('says what is wrong with a damaged file', () => {
    expect(parseState('{"format":1', ID)).toMatch(/^not JSON/);
    expect(parseState(JSON.stringify({ ...state, format: 2 }), ID)).toBe('format 2, expected 1');
    expect(parseState(JSON.stringify({ format: 1, ...state, id: 'b'.repeat(64) }), ID)).toBe(
      `it names container ${'b'.repeat(64)}`,
    );
    expect(
      parseState(
        JSON.stringify({ format: 1, ...state, nodes: [{ path: '/dev/x', type: 'p' }] }),
        ID,
      ),
    ).toBe('nodes[0] is not {path, type: "b"|"c", major, minor}');
  });
});

describe('StateStore', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes, reads, lists and deletes, leaving no temporary file', () => {
    dir = mkdtempSync(join(tmpdir(), 'devbinder-state-'));
    const warnings: string[] = [];
    const store = new StateStore(join(dir, 'state'), (message) => warnings.push(message));
    expect(store.read(ID)).toBeUndefined();
    store.write(state);
    expect(store.read(ID)).toEqual(state);
    expect(store.ids()).toEqual([ID]);
    expect(readdirSync(join(dir, 'state'))).toEqual([`${ID}.json`]);
    store.delete(ID);
    expect(store.ids()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('ignores a damaged file, and says so', () => {
    dir = mkdtempSync(join(tmpdir(), 'devbinder-state-'));
    const warnings: string[] = [];
    const store = new StateStore(dir, (message) => warnings.push(message));
    writeFileSync(join(dir, `${ID}.json`), 'garbage');
    expect(store.read(ID)).toBeUndefined();
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^ignoring ${dir}/${ID}.json: not JSON`)),
    ]);
  });

  it('refuses a name that is not a container id', () => {
    dir = mkdtempSync(join(tmpdir(), 'devbinder-state-'));
    const store = new StateStore(dir, () => {});
    expect(() => store.delete('../escape')).toThrow('not a container id: ../escape');
  });
});
