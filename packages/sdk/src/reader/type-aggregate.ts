import { ExponentialHistogram } from './exponential-histogram.js';

/** Everything the report needs for one operation type over some time span. */
export class TypeAggregate {
  readonly duration: ExponentialHistogram;
  readonly timeToFirstToken: ExponentialHistogram;
  failed = 0;
  inputTokens = 0;
  outputTokens = 0;
  /** Tokens recorded without an input/output split. */
  otherTokens = 0;
  memoryDeltaBytes = 0;
  /** USD of the priced operations. */
  costUsd = 0;
  /** Operations with a model that has a price. */
  pricedOperations = 0;
  /** Operations with a model that has no price. */
  unpricedOperations = 0;

  constructor(maxSize: number, maxScale: number) {
    this.duration = new ExponentialHistogram(maxSize, maxScale);
    this.timeToFirstToken = new ExponentialHistogram(maxSize, maxScale);
  }

  merge(other: TypeAggregate): void {
    this.duration.merge(other.duration);
    this.timeToFirstToken.merge(other.timeToFirstToken);
    this.failed += other.failed;
    this.inputTokens += other.inputTokens;
    this.outputTokens += other.outputTokens;
    this.otherTokens += other.otherTokens;
    this.memoryDeltaBytes += other.memoryDeltaBytes;
    this.costUsd += other.costUsd;
    this.pricedOperations += other.pricedOperations;
    this.unpricedOperations += other.unpricedOperations;
  }
}
