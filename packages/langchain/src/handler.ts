/**
 * `RagMeterCallbackHandler`: LangChain's runs as ragmeter operations.
 *
 * - Which runs are operations: see `classify()`. Every other run (a sequence step, a prompt
 *   template, a parser) passes nesting through: an operation's parent is the nearest ancestor
 *   run that is an operation, found by LangChain's run id / parent run id.
 * - Timing: the handler asks LangChain to call it inline (`awaitHandlers`), not from its
 *   background queue, so each callback runs when the event happens; it does little and never
 *   throws.
 * - Errors: `handle*Error` fails the operation with the error; LangChain then rethrows the
 *   error to its caller itself, unchanged.
 */
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { countTokens, getPerformanceMonitor, OPERATION_TYPE_PATTERN, OperationType, type Operation, type PerformanceMonitor } from '@ragmeter/sdk';
import { abandonOperation } from '@ragmeter/sdk/integration';
import {
  ATTR_FINISH_REASONS,
  ATTR_RESPONSE_MODEL,
  chunkHasOutput,
  messagesText,
  readResult,
  requestAttributes,
  type AttributeMap,
} from './model-run.js';
import { RunTable, type ModelRunState } from './run-table.js';

/** Options of {@link RagMeterCallbackHandler}. */
export interface RagMeterCallbackHandlerOptions {
  /**
   * The monitor to record on. Default: the global monitor (`getPerformanceMonitor()`), looked up
   * when an invocation starts, so a `startRagMeter()` made after the handler is honoured.
   */
  monitor?: PerformanceMonitor;
  /**
   * Put prompt and completion text of model runs on spans. Default: the monitor's
   * `captureContent`, which is off unless turned on.
   */
  captureContent?: boolean;
  /**
   * More runs to record, by run name or tag: `{ 'my-reranker': 'reranking', 'cache-lookup':
   * 'cache_lookup' }`. A run whose name, or else one of whose tags, is a key becomes an operation
   * of that type (one of `OperationType` or a custom name); `false` makes a run that would be
   * one pass nesting through instead. Looked up before the built-in rules.
   */
  operationTypes?: Record<string, string | false>;
  /**
   * Runs kept open at most (default 10 000). LangChain never ends the runs of a stream its
   * consumer leaves early; past this bound the oldest open run is dropped and counted
   * (`handler.droppedRuns`), and its operation is given up on: no metrics, counted in the
   * report's `dropped` section as `abandoned_operation` (a `RagMeterWarning` the first time).
   */
  maxOpenRuns?: number;
}

/** The operation type of tool runs. */
export const TOOL_CALL = 'tool_call';
/** Span attribute: the LangChain run name. */
export const ATTR_RUN_NAME = 'langchain.run.name';

const OPTION_KEYS: ReadonlySet<string> = new Set(['monitor', 'captureContent', 'operationTypes', 'maxOpenRuns']);
const DEFAULT_MAX_OPEN_RUNS = 10_000;
const RERANKER_NAME = /rerank/i;
/** LangChain's retriever that compresses (reranks, filters) what its base retriever found. */
const COMPRESSION_RETRIEVER = 'ContextualCompressionRetriever';
/** The tag ContextualCompressionRetriever gives its base retriever's run. */
const BASE_RETRIEVER_TAG = 'base_retriever';

/** `step`: a prompt template or output parser run, never an operation unless named. */
type RunKind = 'chain' | 'step' | 'retriever' | 'tool' | 'chat' | 'llm';
type Serialized = { id?: unknown; name?: unknown } | undefined;

/** A run's name: the one LangChain passes, else the last part of its serialized id. */
function runName(serialized: Serialized, name: unknown): string {
  if (typeof name === 'string' && name !== '') return name;
  const id = serialized?.id;
  if (Array.isArray(id) && typeof id[id.length - 1] === 'string') return id[id.length - 1] as string;
  return typeof serialized?.name === 'string' ? serialized.name : '';
}

/** The default tokenizer's tables are loaded once per process, at set-up. */
let tokenizerLoaded = false;

/**
 * A LangChain callback handler that records a chain's runs as nested ragmeter operations: the
 * outermost chain run of an invocation as `query_processing`, retriever runs as
 * `document_retrieval`, chat model and LLM runs as `llm_inference` (tokens, time to first token,
 * GenAI attributes), document compression and runs named as rerankers as `reranking`, tools as
 * `tool_call`.
 *
 * ```js
 * await chain.invoke(input, { callbacks: [new RagMeterCallbackHandler()] });
 * ```
 */
export class RagMeterCallbackHandler extends BaseCallbackHandler {
  name = 'ragmeter';
  private readonly monitorOption: PerformanceMonitor | undefined;
  private readonly captureContent: boolean | undefined;
  private readonly types: ReadonlyMap<string, string | false>;
  private readonly runs: RunTable;

  constructor(options: RagMeterCallbackHandlerOptions = {}) {
    // Inline callbacks: timings are taken when the events happen, not when a queue gets to them.
    super({ _awaitHandler: true });
    checkOptions(options);
    // Token counts for models that report no usage are taken in handleLLMEnd, before the
    // operation ends: the tokenizer's one-time load (~250 ms) belongs to set-up, not to the
    // first model call's duration.
    if (!tokenizerLoaded) {
      tokenizerLoaded = true;
      countTokens('ragmeter');
    }
    this.monitorOption = options.monitor;
    this.captureContent = options.captureContent;
    this.types = new Map(Object.entries(options.operationTypes ?? {}));
    const maxOpenRuns = options.maxOpenRuns ?? DEFAULT_MAX_OPEN_RUNS;
    this.runs = new RunTable(maxOpenRuns, (entry) => {
      const detail = `a LangChain run that never ended (a stream left early?), given up to keep the handler's open runs within maxOpenRuns (${maxOpenRuns})`;
      if (entry.compression !== undefined) abandonOperation(entry.compression, detail);
      if (entry.op !== undefined) abandonOperation(entry.op, detail);
    });
  }

  /** Runs started and never ended, dropped to keep the open runs within `maxOpenRuns`. */
  get droppedRuns(): number {
    return this.runs.dropped;
  }

  /** Runs started and not yet ended. */
  get openRuns(): number {
    return this.runs.size;
  }

  /** One handler, one table of open runs: LangChain's copies share it. */
  override copy(): this {
    return this;
  }

  // ---- starts ----------------------------------------------------------------------------------
  // LangChain calls a handler's handleChainStart with (chain, inputs, runId, parentRunId, tags,
  // metadata, runType, runName): the order of its CallbackManager, not of the declared type.

  override handleChainStart(
    chain: Serialized,
    _inputs: unknown,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    _metadata?: Record<string, unknown>,
    runType?: string,
    name?: string,
  ): void {
    // A prompt template or output parser invoked on its own is no query.
    const kind = runType === 'prompt' || runType === 'parser' ? 'step' : 'chain';
    this.start(kind, runId, parentRunId, tags, chain, name);
  }

  override handleRetrieverStart(
    retriever: Serialized,
    _query: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    _metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.start('retriever', runId, parentRunId, tags, retriever, name);
  }

  override handleToolStart(
    tool: Serialized,
    _input: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    _metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.start('tool', runId, parentRunId, tags, tool, name);
  }

  override handleChatModelStart(
    llm: Serialized,
    messages: unknown[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.start('chat', runId, parentRunId, tags, llm, name, () => ({
      attrs: requestAttributes('chat', extraParams, metadata),
      prompt: messagesText(messages?.[0]),
    }));
  }

  override handleLLMStart(
    llm: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.start('llm', runId, parentRunId, tags, llm, name, () => ({
      attrs: requestAttributes('llm', extraParams, metadata),
      prompt: Array.isArray(prompts) ? prompts.filter((p) => typeof p === 'string') : [],
    }));
  }

  override handleLLMNewToken(token: string, _idx: unknown, runId: string, _parentRunId?: string, _tags?: string[], fields?: unknown): void {
    const entry = this.runs.get(runId);
    const model = entry?.model;
    if (model === undefined || model.sawToken) return;
    try {
      if (!chunkHasOutput(token, fields)) return; // role-only and empty chunks are not a token yet
      model.sawToken = true;
      entry?.op?.markFirstToken();
    } catch {
      // a chunk we cannot read is not a first token
    }
  }

  // ---- ends ------------------------------------------------------------------------------------

  override handleChainEnd(_outputs: unknown, runId: string): void {
    this.end(runId);
  }

  override handleChainError(error: unknown, runId: string): void {
    this.fail(runId, error);
  }

  override handleRetrieverEnd(_documents: unknown, runId: string, parentRunId?: string, tags?: string[]): void {
    this.end(runId);
    try {
      if (typeof parentRunId === 'string' && Array.isArray(tags) && tags.includes(BASE_RETRIEVER_TAG)) this.startCompression(parentRunId);
    } catch {
      // as in start()
    }
  }

  override handleRetrieverError(error: unknown, runId: string): void {
    this.fail(runId, error);
  }

  override handleToolEnd(_output: unknown, runId: string): void {
    this.end(runId);
  }

  override handleToolError(error: unknown, runId: string): void {
    this.fail(runId, error);
  }

  override handleLLMEnd(output: unknown, runId: string): void {
    const entry = this.runs.take(runId);
    if (entry?.op === undefined) return;
    try {
      if (entry.model !== undefined && entry.monitor !== undefined) this.recordModelResult(entry.op, entry.monitor, entry.model, output);
    } catch {
      // whatever could be recorded was; the operation still ends
    }
    entry.op.end();
  }

  override handleLLMError(error: unknown, runId: string): void {
    this.fail(runId, error);
  }

  // ---- the table of runs -----------------------------------------------------------------------

  private start(
    kind: RunKind,
    runId: string,
    parentRunId: string | undefined,
    tags: string[] | undefined,
    serialized: Serialized,
    givenName: unknown,
    model?: () => { attrs: AttributeMap; prompt: string[] },
  ): void {
    try {
      if (typeof runId !== 'string' || this.runs.has(runId)) return; // seen already (handler given twice)
      const name = runName(serialized, givenName);
      // Only a run with no parent at all is the outermost one: a parent unknown to the handler
      // (attached below it, or dropped) makes a chain step no query of its own.
      const parent = parentRunId === undefined ? undefined : this.runs.get(parentRunId);
      const parentOp = parent?.compression ?? parent?.nearest;
      const type = this.classify(kind, parentRunId === undefined || parentRunId === null, name, tags);
      if (type === undefined) {
        this.runs.add(runId, { op: undefined, nearest: parentOp, monitor: parent?.monitor, compressing: kind === 'retriever' && name === COMPRESSION_RETRIEVER });
        return;
      }
      const monitor = parent?.monitor ?? this.monitorOption ?? getPerformanceMonitor();
      const request = model?.();
      const attrs: AttributeMap = { ...request?.attrs };
      if (name !== '') attrs[ATTR_RUN_NAME] = name;
      const op = monitor.trackOperation(type, attrs, parentOp === undefined ? undefined : { parent: parentOp });
      const state: ModelRunState | undefined =
        request === undefined ? undefined : { prompt: request.prompt, capture: this.captureContent ?? monitor.captureContent, sawToken: false };
      this.runs.add(runId, { op, nearest: op, monitor, model: state });
    } catch {
      // never break the host's chain
    }
  }

  /** The operation type of a run, or undefined for a run that passes nesting through. */
  private classify(kind: RunKind, root: boolean, name: string, tags: string[] | undefined): string | undefined {
    const mapped = this.mapped(name, tags);
    if (mapped !== undefined) return mapped === false ? undefined : mapped;
    switch (kind) {
      case 'chat':
      case 'llm':
        return OperationType.LLM_INFERENCE;
      case 'tool':
        return RERANKER_NAME.test(name) ? OperationType.RERANKING : TOOL_CALL;
      case 'retriever':
        if (name === COMPRESSION_RETRIEVER) return undefined; // its two phases are recorded instead
        return RERANKER_NAME.test(name) ? OperationType.RERANKING : OperationType.DOCUMENT_RETRIEVAL;
      case 'chain':
        if (root) return OperationType.QUERY_PROCESSING;
        return RERANKER_NAME.test(name) ? OperationType.RERANKING : undefined;
      case 'step':
        return undefined;
    }
  }

  private mapped(name: string, tags: string[] | undefined): string | false | undefined {
    if (this.types.size === 0) return undefined;
    const byName = this.types.get(name);
    if (byName !== undefined) return byName;
    if (!Array.isArray(tags)) return undefined;
    for (const tag of tags) {
      const byTag = this.types.get(tag);
      if (byTag !== undefined) return byTag;
    }
    return undefined;
  }

  /**
   * A ContextualCompressionRetriever's base retriever has returned: from here to the end of the
   * compression retriever, its compressor works. That phase is the `reranking` operation.
   */
  private startCompression(runId: string): void {
    try {
      const entry = this.runs.get(runId);
      if (entry === undefined || !entry.compressing || entry.compression !== undefined) return;
      const monitor = entry.monitor ?? this.monitorOption ?? getPerformanceMonitor();
      entry.compression = monitor.trackOperation(
        OperationType.RERANKING,
        { [ATTR_RUN_NAME]: COMPRESSION_RETRIEVER },
        entry.nearest === undefined ? undefined : { parent: entry.nearest },
      );
    } catch {
      // as in start()
    }
  }

  private end(runId: string): void {
    const entry = this.runs.take(runId);
    entry?.compression?.end();
    entry?.op?.end();
  }

  /** The operation records the error (its class name as `error.type`); LangChain rethrows it. */
  private fail(runId: string, error: unknown): void {
    const entry = this.runs.take(runId);
    entry?.compression?.fail(error);
    entry?.op?.fail(error);
  }

  /** Tokens, response attributes and (when captured) content of a model run, before it ends. */
  private recordModelResult(op: Operation, monitor: PerformanceMonitor, model: ModelRunState, output: unknown): void {
    const result = readResult(output);
    if (result.responseModel !== undefined) op.setAttribute(ATTR_RESPONSE_MODEL, result.responseModel);
    if (result.finishReasons !== undefined) op.setAttribute(ATTR_FINISH_REASONS, result.finishReasons);
    const output_ = result.text.length > 0 ? result.text : undefined;
    const usage = result.usage;
    if (usage !== undefined) op.setUsage(usage);
    const onlyTotal = usage !== undefined && usage.input_tokens === undefined && usage.output_tokens === undefined;
    if (!onlyTotal) {
      // The tokenizer counts what the provider did not report.
      const missing: { input?: string[]; output?: string[] } = {};
      if (usage?.input_tokens === undefined) missing.input = model.prompt;
      if (usage?.output_tokens === undefined) missing.output = result.text;
      if (missing.input !== undefined || missing.output !== undefined) {
        // setTokensFromText() also puts the text on the span when the monitor captures content; a
        // handler with captureContent: false must not, so it counts and marks the span itself.
        if (model.capture || !monitor.captureContent) op.setTokensFromText(missing);
        else {
          if (missing.input !== undefined) op.setTokens({ input: monitor.countTokens(missing.input) });
          if (missing.output !== undefined) op.setTokens({ output: monitor.countTokens(missing.output) });
          op.setAttribute('rag.operation.tokens_from_text', true);
        }
      }
    }
    if (model.capture) op.setContent({ input: model.prompt, output: output_ });
  }
}

function checkOptions(options: RagMeterCallbackHandlerOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`ragmeter: RagMeterCallbackHandler options must be an object, got ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new TypeError(`ragmeter: unknown RagMeterCallbackHandler option "${key}"`);
  }
  if (options.monitor !== undefined && typeof (options.monitor as { trackOperation?: unknown }).trackOperation !== 'function') {
    throw new TypeError('ragmeter: RagMeterCallbackHandler option "monitor" must be a PerformanceMonitor');
  }
  if (options.captureContent !== undefined && typeof options.captureContent !== 'boolean') {
    throw new TypeError('ragmeter: RagMeterCallbackHandler option "captureContent" must be a boolean');
  }
  const max = options.maxOpenRuns;
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1)) {
    throw new TypeError('ragmeter: RagMeterCallbackHandler option "maxOpenRuns" must be a positive integer');
  }
  const types = options.operationTypes;
  if (types === undefined) return;
  if (types === null || typeof types !== 'object' || Array.isArray(types)) {
    throw new TypeError('ragmeter: RagMeterCallbackHandler option "operationTypes" must be an object of run name or tag to operation type');
  }
  for (const [key, type] of Object.entries(types)) {
    if (type !== false && (typeof type !== 'string' || !OPERATION_TYPE_PATTERN.test(type))) {
      throw new TypeError(`ragmeter: operationTypes["${key}"] must be an operation type name (/^[a-z][a-z0-9_]{0,62}$/) or false`);
    }
  }
}
