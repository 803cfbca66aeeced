import type { ContainerEvent, PodmanClient } from './podman.js';

/** Waits before each attempt to follow Podman's events again; the last one repeats. */
export const PODMAN_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 2000, 5000];

export interface PodmanEventsHandlers {
  onEvent(event: ContainerEvent): void;
  onMalformed(message: string): void;
  /** The stream ended: events are missed until `onResumed`. */
  onGap(reason: string): void;
  /** An attempt to follow events again failed; another follows after a backoff delay. */
  onAttemptFailed(message: string): void;
  /** Events are followed again after a gap: whatever happened meanwhile must be looked up. */
  onResumed(): void;
}

/**
 * Follows Podman's container events through exactly one stream at a time. When the stream ends,
 * one retry loop (a single timer, never two) tries again with backoff until a stream is accepted
 * or `stop()`; nothing else opens streams, so no failure can multiply them.
 */
export class PodmanEvents {
  private stream: { close(): void } | undefined;
  /** Identifies the attempt under way or the stream open; a stale one's end is ignored. */
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly client: PodmanClient,
    private readonly handlers: PodmanEventsHandlers,
    private readonly retryDelaysMs: readonly number[] = PODMAN_RETRY_DELAYS_MS,
  ) {}

  /** True while a stream is open. */
  get following(): boolean {
    return this.stream !== undefined;
  }

  /** The first stream; rejects when Podman does not accept it (the caller cannot start then). */
  async start(): Promise<void> {
    if (this.stopped) throw new Error('stopped');
    await this.subscribe();
  }

  /** Closes the stream and ends the retry loop; nothing is opened afterwards. */
  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stream?.close();
    this.stream = undefined;
  }

  private async subscribe(): Promise<void> {
    const generation = ++this.generation;
    let ended = false;
    const stream = await this.client.followEvents({
      onEvent: (event) => {
        if (generation === this.generation) this.handlers.onEvent(event);
      },
      onMalformed: (message) => this.handlers.onMalformed(message),
      onEnd: (reason) => {
        if (generation !== this.generation) return;
        ended = true;
        this.stream = undefined;
        this.handlers.onGap(reason);
        this.retryLater();
      },
    });
    if (generation !== this.generation) {
      // Stopped while Podman was accepting it.
      stream.close();
      return;
    }
    if (!ended) this.stream = stream;
  }

  private retryLater(): void {
    if (this.stopped || this.retryTimer !== undefined) return;
    const delay =
      this.retryDelaysMs[Math.min(this.failures, this.retryDelaysMs.length - 1)] ?? 5000;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.retry();
    }, delay);
  }

  private async retry(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.subscribe();
    } catch (error) {
      if (this.stopped) return;
      this.failures++;
      this.handlers.onAttemptFailed((error as Error).message);
      this.retryLater();
      return;
    }
    if (this.stopped) return;
    this.failures = 0;
    this.handlers.onResumed();
  }
}
