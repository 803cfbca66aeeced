import { Worker } from 'node:worker_threads';
import { PluginError } from './errors.js';
import type { PluginLimits } from './limits.js';
import { TABLE_ELEMENTS_CAP } from './memory-plan.js';
import type {
  CallRequest,
  LimitReached,
  Operation,
  WorkerMessage,
  WorkerSetup,
} from './protocol.js';
import type { PreparedComponent } from './transpile-cache.js';

/** JS heap for the glue and the JSON strings in flight; wasm memory is capped separately. */
const WORKER_RESOURCE_LIMITS = {
  maxOldGenerationSizeMb: 256,
  maxYoungGenerationSizeMb: 32,
  stackSizeMb: 4,
};

/**
 * The time of one selection (its `interest` and `select` calls): `deadlineMs` of the plugin's own
 * running, and a wall-clock end by which it is answered whatever else the plugin is doing.
 */
export class SelectionClock {
  /** Run time left, counted down while the worker runs this selection's calls. */
  remainingMs: number;
  /** `performance.now()` time by which the selection ends, answered or not. */
  readonly until: number;

  constructor(limits: Pick<PluginLimits, 'deadlineMs' | 'loadDeadlineMs'>) {
    this.remainingMs = limits.deadlineMs;
    // Long enough for a fresh worker and the whole deadline; waiting behind the plugin's other
    // calls comes out of the same time, so a hook with many annotations still answers in time.
    this.until = performance.now() + limits.loadDeadlineMs + limits.deadlineMs;
  }
}

interface Call {
  operation: Operation;
  args: string[];
  maxResultBytes: number;
  clock: SelectionClock;
  resolve(message: WorkerMessage): void;
  reject(error: PluginError): void;
  wallTimer: NodeJS.Timeout;
}

interface Instance {
  worker: Worker;
  ready: boolean;
  loadTimer: NodeJS.Timeout;
}

interface Running {
  call: Call;
  id: number;
  started: number;
  timer: NodeJS.Timeout;
}

/**
 * One plugin in its own worker thread, running its calls one at a time in the order they came.
 * A call's deadline runs only while the worker runs it. Overrunning it, trapping or exhausting
 * memory fails that call alone and ends the worker; the calls waiting behind it run on a fresh
 * one. Loading (worker start, compile, instantiate, which runs the component's start code) has
 * its own deadline; a plugin that cannot load fails every call waiting for it.
 */
export class PluginSandbox {
  private instance: Instance | undefined;
  private readonly queue: Call[] = [];
  private running: Running | undefined;
  private nextId = 1;

  constructor(
    private readonly plugin: string,
    private readonly component: PreparedComponent,
    private readonly limits: PluginLimits,
  ) {}

  /** Starts the worker ahead of the first call, e.g. while the host reads the udev database. */
  warm(): void {
    this.ensureInstance();
  }

  /** Calls an export when the calls queued before it are done. */
  call(
    operation: Operation,
    args: string[],
    clock: SelectionClock,
    maxResultBytes: number,
  ): Promise<WorkerMessage> {
    return new Promise<WorkerMessage>((resolve, reject) => {
      const call: Call = {
        operation,
        args,
        maxResultBytes,
        clock,
        resolve,
        reject,
        wallTimer: setTimeout(
          () => this.wallTimeOver(call),
          Math.max(0, clock.until - performance.now()),
        ),
      };
      this.queue.push(call);
      this.next();
    });
  }

  /** Ends the worker; every call not answered yet fails. */
  stop(): void {
    const stopped = this.error('crashed', 'the plugin worker was stopped');
    this.failRunning(stopped);
    for (const call of this.queue.splice(0)) this.settle(call, stopped);
  }

  /** Runs the next queued call once a worker is ready for it. */
  private next(): void {
    if (this.running || this.queue.length === 0) return;
    const instance = this.ensureInstance();
    if (!instance.ready) return;
    const call = this.queue.shift() as Call;
    const id = this.nextId++;
    const running: Running = {
      call,
      id,
      started: performance.now(),
      timer: setTimeout(() => this.runTimeOver(running), call.clock.remainingMs),
    };
    this.running = running;
    const { operation, args, maxResultBytes } = call;
    instance.worker.postMessage({ id, operation, args, maxResultBytes } satisfies CallRequest);
  }

  private ensureInstance(): Instance {
    if (this.instance) return this.instance;
    const setup: WorkerSetup = {
      component: this.component,
      maxMessageBytes: this.limits.maxMessageBytes,
    };
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: setup,
      resourceLimits: WORKER_RESOURCE_LIMITS,
      stdout: true,
      stderr: true,
    });
    worker.unref();
    const instance: Instance = {
      worker,
      ready: false,
      loadTimer: setTimeout(
        () =>
          afterPendingMessages(() => {
            if (this.instance === instance && !instance.ready) {
              this.loadFailed(
                this.error(
                  'deadline',
                  `did not load within its deadline of ${this.limits.loadDeadlineMs} ms (loadDeadlineMs)`,
                ),
              );
            }
          }),
        this.limits.loadDeadlineMs,
      ),
    };
    this.instance = instance;
    worker.on('message', (message: WorkerMessage) => {
      if (this.instance !== instance) return;
      if (message.type === 'ready') {
        clearTimeout(instance.loadTimer);
        instance.ready = true;
        this.next();
      } else if (message.type === 'load-failed') {
        this.loadFailed(this.error('load-failed', `could not instantiate: ${message.message}`));
      } else if (this.running?.id === message.id) {
        this.answered(this.running, message);
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (this.instance !== instance) return;
      this.workerFailed(
        instance,
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? this.error(
              'memory',
              `exhausted the ${WORKER_RESOURCE_LIMITS.maxOldGenerationSizeMb} MiB JS heap of its worker`,
            )
          : this.error('crashed', error.message),
      );
    });
    worker.on('exit', () => {
      if (this.instance === instance)
        this.workerFailed(instance, this.error('crashed', 'the plugin worker exited'));
    });
    return instance;
  }

  private answered(running: Running, message: WorkerMessage): void {
    clearTimeout(running.timer);
    running.call.clock.remainingMs -= performance.now() - running.started;
    this.running = undefined;
    const failure = this.failureOf(running.call, message);
    this.settle(running.call, failure ?? message);
    this.next();
  }

  /** What a reply means when it is no answer; a trap or the memory cap also ends the worker. */
  private failureOf(call: Call, message: WorkerMessage): PluginError | undefined {
    if (message.type === 'oversized') {
      return this.error(
        'invalid-output',
        `answered ${call.operation} with ${message.bytes} bytes, more than the ${call.maxResultBytes} its input allows`,
      );
    }
    if (message.type !== 'trapped' && message.type !== 'rejected') return undefined;
    if (message.limit !== undefined) {
      this.endInstance();
      const said = message.type === 'trapped' ? message.message : errorText(message.error);
      return this.error(
        'memory',
        `ran out of memory: ${this.describe(message.limit)}; it then said: ${said}`,
      );
    }
    if (message.type === 'trapped') {
      this.endInstance();
      return this.error('crashed', `trapped: ${message.message}`);
    }
    return undefined;
  }

  /** The call overran its deadline: it fails, the worker running it ends, the queue goes on. */
  private runTimeOver(running: Running): void {
    // A reply that arrived while this thread was busy elsewhere is read before the verdict.
    afterPendingMessages(() => {
      if (this.running !== running) return;
      this.failRunning(
        this.error(
          'deadline',
          `did not answer within its deadline of ${this.limits.deadlineMs} ms (deadlineMs)`,
        ),
      );
      this.next();
    });
  }

  /** The selection's wall-clock time is over, whether the call waits or runs. */
  private wallTimeOver(call: Call): void {
    afterPendingMessages(() => {
      const error = this.error(
        'deadline',
        `did not answer within ${this.limits.loadDeadlineMs + this.limits.deadlineMs} ms in all (loadDeadlineMs + deadlineMs), its loading and its other calls included`,
      );
      if (this.running?.call === call) {
        this.failRunning(error);
        this.next();
        return;
      }
      const at = this.queue.indexOf(call);
      if (at === -1) return;
      this.queue.splice(at, 1);
      this.settle(call, error);
    });
  }

  /** The plugin does not load: every call waiting for it fails the same way. */
  private loadFailed(error: PluginError): void {
    this.endInstance();
    for (const call of this.queue.splice(0)) this.settle(call, error);
  }

  private workerFailed(instance: Instance, error: PluginError): void {
    if (!instance.ready) {
      this.loadFailed(error);
      return;
    }
    this.failRunning(error);
    this.next();
  }

  /** The call under way, if any, fails with `error`, and the worker running it ends. */
  private failRunning(error: PluginError): void {
    const running = this.running;
    this.running = undefined;
    this.endInstance();
    if (running) {
      clearTimeout(running.timer);
      this.settle(running.call, error);
    }
  }

  private endInstance(): void {
    const instance = this.instance;
    this.instance = undefined;
    if (!instance) return;
    clearTimeout(instance.loadTimer);
    void instance.worker.terminate();
  }

  private settle(call: Call, outcome: WorkerMessage | PluginError): void {
    clearTimeout(call.wallTimer);
    if (outcome instanceof PluginError) call.reject(outcome);
    else call.resolve(outcome);
  }

  private describe(limit: LimitReached): string {
    if (limit.resource === 'tables') {
      return `its ${limit.tables > 1 ? `${limit.tables} tables` : 'table'} reached ${limit.entries} entries${limit.tables > 1 ? ' together' : ''}, all the ${TABLE_ELEMENTS_CAP} a plugin may have`;
    }
    const cap = `of its ${this.limits.memoryMiB} MiB cap (memoryMiB)`;
    return limit.memories > 1
      ? `its ${limit.memories} wasm memories reached ${limit.totalMiB} MiB together ${cap}`
      : `its wasm memory reached ${limit.totalMiB} MiB ${cap}`;
  }

  private error(kind: PluginError['kind'], detail: string): PluginError {
    return new PluginError(this.plugin, kind, detail);
  }
}

/**
 * Runs `then` after the messages already waiting for this thread: Node reads worker messages
 * before it runs setImmediate callbacks, so a timer that fired late (the thread was busy) does
 * not overrule a reply that came in time.
 */
function afterPendingMessages(then: () => void): void {
  setImmediate(then);
}

function errorText(error: Extract<WorkerMessage, { type: 'rejected' }>['error']): string {
  return error.tag === 'failed' ? error.val : error.val.message;
}
