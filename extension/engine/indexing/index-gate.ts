/**
 * Where a running index waits: between batches it stops while paused, or while the user is typing (the host
 * reports keystrokes so that compression never competes with the editor). Cancellation is an AbortSignal.
 */

/** The host may miss sending "typing stopped"; typing then expires on its own after this long. */
const TYPING_EXPIRES_MS = 4_000;
const POLL_MS = 100;

export class CancelledError extends Error {
  constructor(message = 'indexing cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export class IndexGate {
  private paused = false;
  private typingUntil = 0;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  setUserTyping(typing: boolean): void {
    this.typingUntil = typing ? Date.now() + TYPING_EXPIRES_MS : 0;
  }

  get isUserTyping(): boolean {
    return Date.now() < this.typingUntil;
  }

  /**
   * Resolves once neither paused nor typing; throws CancelledError when the signal aborts.
   * `onHold` is told when waiting starts ('paused' or 'typing') and `onRelease` when it ends.
   */
  async pass(signal: AbortSignal | undefined, onHold?: (why: 'paused' | 'typing') => void, onRelease?: () => void): Promise<void> {
    let held = false;
    for (;;) {
      if (signal?.aborted) throw new CancelledError();
      const why = this.paused ? 'paused' : this.isUserTyping ? 'typing' : null;
      if (!why) {
        if (held) onRelease?.();
        return;
      }
      if (!held) {
        held = true;
        onHold?.(why);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
