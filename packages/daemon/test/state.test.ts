import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseState, STATE_FILE, StateStore } from '../src/state.js';

const ID = 'a'.repeat(64);
const state = {
  id: ID,
  startedAt: '2026-11-25T20:44:57.221318187Z',
  nodes: [{ path: '/dev/zram1', type: 'b' as const, major: 253, minor: 1 }],
};
const file = (containers: unknown[], format = 1) => JSON.stringify({ format, containers });

describe('parseState', () => {
  it('reads what StateStore writes', () => {
    expect(parseState(file([state]))).toEqual([state]);
  });

  it('says what is wrong with a damaged file', () => {
    expect(parseState('{"format":1')).toMatch(/^not JSON/);
    expect(parseState(file([state], 2))).toBe('format 2, expected 1');
    expect(parseState(file([{ ...state, id: '../x' }]))).toBe(
      'containers[0].id is not a container id',
    );
    expect(parseState(file([{ ...state, nodes: [{ path: '/dev/x', type: 'p' }] }]))).toBe(
      'containers[0].nodes[0] is not {path, type: "b"|"c", major, minor}',
    );
  });
});

describe('StateStore', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every container in one file, written only when something changed', () => {
    dir = mkdtempSync(join(tmpdir(), 'devbinder-state-'));
    const warnings: string[] = [];
    const store = new StateStore(join(dir, 'state'), (message) => warnings.push(message));
    expect(store.get(ID)).toBeUndefined();
    store.set(state);
    store.save();
    expect(readdirSync(join(dir, 'state'))).toEqual([STATE_FILE]);
    const again = new StateStore(join(dir, 'state'), (message) => warnings.push(message));
    expect(again.get(ID)).toEqual(state);
    expect(again.ids()).toEqual([ID]);
    again.delete(ID);
    again.save();
    expect(JSON.parse(readFileSync(join(dir, 'state', STATE_FILE), 'utf8'))).toEqual({
      format: 1,
      containers: [],
    });
    expect(warnings).toEqual([]);
  });

  it('starts empty from a damaged file, and says so', () => {
    dir = mkdtempSync(join(tmpdir(), 'devbinder-state-'));
    writeFileSync(join(dir, STATE_FILE), 'garbage');
    const warnings: string[] = [];
    const store = new StateStore(dir, (message) => warnings.push(message));
    expect(store.ids()).toEqual([]);
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^ignoring ${dir}/${STATE_FILE}: not JSON`)),
    ]);
  });
});
