/** Keeps one socket's messages in the order it sent them, while their commits overlap. */

export class SendOrder {
  private tail: Promise<unknown> = Promise.resolve();

  /**
   * Runs `admit` after the previous admission settled, then waits for its `done`. Admission
   * (checks + queueing) is serial per socket; the group commit keeps the queue's order.
   */
  run<T>(admit: () => Promise<{ done: Promise<T> }>): Promise<T> {
    const admitted = this.tail.then(admit);
    this.tail = admitted.catch(() => undefined);
    return admitted.then((a) => a.done);
  }
}
