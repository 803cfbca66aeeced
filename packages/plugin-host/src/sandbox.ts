import { Worker } from 'node:worker_threads';
import type { WireSelectorError } from '@devbinder/plugin-sdk';
import { PluginError } from './errors.js';
import { boundMessage, type PluginLimits } from './limits.js';
import type { CallRequest, Operation, WorkerMessage, WorkerSetup } from './protocol.js';
import type { TranspiledComponent } from './transpile-cache.js';

interface Pending {
  resolve(message: WorkerMessage): void;
  reject(error: PluginError): void;
}

/** JS heap for the glue and the JSON strings in flight; wasm memory is capped separately. */
const WORKER_RESOURCE_LIMITS = {
  maxOldGenerationSizeMb: 256,
  maxYoungGenerationSizeMb: 32,
  stackSizeMb: 4,
};

/**
 * One plugin instance in its own worker thread. Loading (worker start, compile, instantiate, which
 * runs the component's start code) and the calls each have a deadline. Overrunning one,
 * trapping or exhausting memory ends the worker; the next call starts a fresh one, so the host
 * stays healthy.
 */
export class PluginSandbox {
  private worker: Worker | undefined;
  private loading: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly plugin: string,
    private readonly component: TranspiledComponent,
    private readonly limits: PluginLimits,
  ) {}

  /** Starts the worker ahead of the first call, e.g. while the host reads the udev database. */
  warm(): void {
    this.ready().catch(() => {});
  }

  /** Resolves once the instance can take calls; fails if loading overruns the deadline. */
  ready(): Promise<void> {
    this.loading ??= this.withDeadline('load', performance.now() + this.limits.loadDeadlineMs, () =>
      this.start(),
    );
    return this.loading;
  }

  /** Calls an export. `deadline` is an absolute `performance.now()` time shared by related calls. */
  async call(
    operation: Operation,
    args: string[],
    deadline: number,
    maxResultBytes: number,
  ): Promise<WorkerMessage> {
    await this.ready();
    return this.withDeadline('answer', deadline, async () => {
      const worker = this.worker;
      if (!worker) throw this.error('crashed', 'the plugin worker is gone');
      const id = this.nextId++;
      const reply = new Promise<WorkerMessage>((resolve, reject) =>
        this.pending.set(id, { resolve, reject }),
      );
      worker.postMessage({ id, operation, args, maxResultBytes } satisfies CallRequest);
      const message = await reply;
      if (message.type === 'oversized') {
        throw this.error(
          'invalid-output',
          `answered ${operation} with ${message.bytes} bytes, more than the ${maxResultBytes} its input allows`,
        );
      }
      if (message.type === 'trapped' || message.type === 'rejected') {
        const { memoryMiB } = message;
        if (memoryMiB !== undefined) {
          this.stop();
          const said = message.type === 'trapped' ? message.message : describe(message.error);
          throw this.error(
            'memory',
            `ran out of memory: its wasm memory reached ${memoryMiB} MiB of its ${this.limits.memoryMiB} MiB cap (memoryMiB); it then said: ${said}`,
          );
        }
        if (message.type === 'trapped') {
          this.stop();
          throw this.error('crashed', `trapped: ${message.message}`);
        }
      }
      return message;
    });
  }

  stop(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.loading = undefined;
    for (const { reject } of this.pending.values())
      reject(this.error('crashed', 'the plugin worker was stopped'));
    this.pending.clear();
    void worker?.terminate();
  }

  private start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const setup: WorkerSetup = {
        glue: this.component.glue,
        coreModules: this.component.coreModules,
        memoryCapBytes: this.limits.memoryMiB * 2 ** 20,
      };
      const worker = new Worker(new URL('./worker.js', import.meta.url), {
        workerData: setup,
        resourceLimits: WORKER_RESOURCE_LIMITS,
        stdout: true,
        stderr: true,
      });
      this.worker = worker;
      worker.unref();
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'load-failed') {
          this.stop();
          reject(this.error('load-failed', `could not instantiate: ${message.message}`));
        } else {
          const pending = this.pending.get(message.id);
          this.pending.delete(message.id);
          pending?.resolve(message);
        }
      });
      worker.on('error', (error: Error & { code?: string }) => {
        const failure =
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? this.error(
                'memory',
                `exhausted the ${WORKER_RESOURCE_LIMITS.maxOldGenerationSizeMb} MiB JS heap of its worker`,
              )
            : this.error('crashed', error.message);
        for (const { reject: rejectCall } of this.pending.values()) rejectCall(failure);
        this.pending.clear();
        if (this.worker === worker) this.stop();
        reject(failure);
      });
      worker.on('exit', () => {
        if (this.worker === worker) this.stop();
        reject(this.error('crashed', 'the plugin worker exited'));
      });
    });
  }

  private async withDeadline<T>(
    phase: 'load' | 'answer',
    deadline: number,
    body: () => Promise<T>,
  ): Promise<T> {
    const remaining = Math.max(0, deadline - performance.now());
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const [limit, setting] =
          phase === 'load'
            ? [this.limits.loadDeadlineMs, 'loadDeadlineMs']
            : [this.limits.deadlineMs, 'deadlineMs'];
        reject(
          this.error(
            'deadline',
            `did not ${phase} within its deadline of ${limit} ms (${setting})`,
          ),
        );
        this.stop();
      }, remaining);
    });
    try {
      return await Promise.race([body(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private error(kind: PluginError['kind'], detail: string): PluginError {
    return new PluginError(this.plugin, kind, detail);
  }
}

function describe(error: WireSelectorError): string {
  return boundMessage(error.tag === 'failed' ? error.val : error.val.message, 200);
}
