/**
 * `@ragmeter/llamaindex`: LlamaIndex.TS query engines, retrievers, LLM calls, embeddings and
 * rerankers as ragmeter operations.
 *
 * - `instrumentLlamaIndex()` (events.ts) listens to LlamaIndex's own events: one line, no
 *   object touched, but blind to failures, embeddings and rerankers;
 * - `trackQueryEngine()` and the other wrappers (wrappers.ts) record what the events cannot.
 * How operations nest: frames.ts.
 */
export { instrumentLlamaIndex, MAX_PENDING } from './events.js';
export type { CallbackManagerLike, InstrumentLlamaIndexOptions, LlamaIndexEventLike, LlamaIndexInstrumentation } from './events.js';
export type { RecordOptions } from './options.js';
export { trackEmbedding, trackLLM, trackQueryEngine, trackReranker, trackRetriever } from './wrappers.js';
