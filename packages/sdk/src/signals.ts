/**
 * On SIGTERM or SIGINT: runs `shutdown` (flush, close), then leaves the exit to the application
 * when it listens for the signal too, or else dies of the signal as it would have without us.
 * Returns a function that removes the handlers.
 */
export function onTerminationSignals(shutdown: () => Promise<void>): () => void {
  const handlers = new Map<NodeJS.Signals, () => void>();
  const removeAll = (): void => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const handler = (): void => {
      removeAll();
      shutdown().finally(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return removeAll;
}
