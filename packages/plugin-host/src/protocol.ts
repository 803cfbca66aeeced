import type { WireSelectorError } from '@devbinder/plugin-sdk';
import type { ComponentFile } from './digest.js';
import type { PluginErrorKind } from './errors.js';
import type { PreparedComponent } from './transpile-cache.js';

/** What the preparation worker (prepare-worker.ts) is asked to do, and its one answer. */
export interface PrepareRequest {
  file: ComponentFile;
  /** Whether its stamp already vouches for the file (then it is read only to be transpiled). */
  stamped: boolean;
  stampDir: string;
  /** The transpile cache. */
  cacheDir: string;
  memoryMiB: number;
}

export type PrepareReply =
  | { type: 'prepared'; prepared: PreparedComponent }
  | { type: 'failed'; kind: PluginErrorKind; detail: string };

/** Messages between the host and a plugin worker. */
export interface WorkerSetup {
  component: PreparedComponent;
  /** The plugin's error messages are cut to this before they leave the worker. */
  maxMessageBytes: number;
}

export type Operation = 'interest' | 'select';

export interface CallRequest {
  id: number;
  operation: Operation;
  args: string[];
  /** Longest answer accepted, in bytes of its JSON; longer ones never leave the worker. */
  maxResultBytes: number;
}

/** The plugin's wasm memories, or its tables, when one of them had reached its share of the cap. */
export type LimitReached =
  | { resource: 'memory' /** All its memories together. */; totalMiB: number; memories: number }
  | { resource: 'tables' /** All its tables together. */; entries: number; tables: number };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'load-failed'; message: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'oversized'; id: number; bytes: number }
  /** The plugin's own error; `limit` when its memory had reached the cap (the likely cause). */
  | { type: 'rejected'; id: number; error: WireSelectorError; limit: LimitReached | undefined }
  /** The guest trapped or broke the glue; the instance is unusable afterwards. */
  | { type: 'trapped'; id: number; message: string; limit: LimitReached | undefined };
