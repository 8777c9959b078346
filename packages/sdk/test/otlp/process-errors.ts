import type { EventEmitter } from 'node:events';
import { runInThisContext } from 'node:vm';

/**
 * The worker's real process. Jest hands each test file a copy of `process` whose
 * 'unhandledRejection' and 'uncaughtException' events never fire, so listeners must go on the
 * process of Node's main context.
 */
const hostProcess = runInThisContext('process') as NodeJS.Process;

type Event = 'unhandledRejection' | 'uncaughtException';
const EVENTS: Event[] = ['unhandledRejection', 'uncaughtException'];

export interface ProcessErrorSpy {
  readonly rejections: unknown[];
  readonly exceptions: unknown[];
  /** Removes the spy (and gives back the listeners `exclusive` took away). */
  stop(): void;
}

/**
 * Records unhandled rejections and uncaught exceptions, next to jest's own listeners (which
 * fail the running test as well). `exclusive` sets jest's listeners aside until stop(): only for
 * checking the spy itself with deliberate errors.
 */
export function spyOnProcessErrors(options: { exclusive?: boolean } = {}): ProcessErrorSpy {
  const rejections: unknown[] = [];
  const exceptions: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  const onException = (error: unknown): void => void exceptions.push(error);
  const emitter: EventEmitter = hostProcess;
  const saved = new Map<Event, ((...args: unknown[]) => void)[]>();
  if (options.exclusive === true) {
    for (const event of EVENTS) {
      saved.set(event, emitter.listeners(event) as ((...args: unknown[]) => void)[]);
      emitter.removeAllListeners(event);
    }
  }
  hostProcess.on('unhandledRejection', onRejection);
  hostProcess.on('uncaughtException', onException);
  return {
    rejections,
    exceptions,
    stop() {
      hostProcess.off('unhandledRejection', onRejection);
      hostProcess.off('uncaughtException', onException);
      for (const [event, listeners] of saved) for (const l of listeners) emitter.on(event, l);
      saved.clear();
    },
  };
}
