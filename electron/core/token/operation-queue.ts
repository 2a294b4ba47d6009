/**
 * One PKCS#11 operation at a time per session: a session runs a single
 * sign (or find, or generate) at once, and a second C_SignInit while one is
 * under way fails with CKR_OPERATION_ACTIVE. Every call on a session goes
 * through its queue, in order; a failure does not stop the ones behind it.
 */
export class OperationQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(op: () => T | Promise<T>): Promise<T> {
    const next = this.#tail.then(op, op);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
