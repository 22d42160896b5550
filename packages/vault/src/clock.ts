/**
 * The time the client renews and rotates by. Real time in production; tests pass the Vault
 * double's manual clock (same shape, `createClock({ manual: true })` in @flowstack/vault-double),
 * so one `advance()` moves both the server's TTLs and the client's renewals.
 */
export interface VaultClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `fn` once the clock reaches `atMs`; returns a cancel function. */
  setTimer(atMs: number, fn: () => void): () => void;
}

export const realClock: VaultClock = {
  now: () => Date.now(),
  setTimer(atMs, fn) {
    const handle = setTimeout(fn, Math.max(0, atMs - Date.now()));
    // Renewal timers never keep a process alive on their own.
    handle.unref();
    return () => clearTimeout(handle);
  },
};
