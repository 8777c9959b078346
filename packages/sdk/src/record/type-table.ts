import type { Attributes } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_GEN_AI_OPERATION_NAME, ATTR_OPERATION_TYPE, ATTR_TOKEN_TYPE } from '../instruments.js';
import type { GenAiEntry, TypeEntry } from '../operation.js';
import { OperationType, isBuiltInOperationType, isValidOperationTypeName } from '../operation-type.js';
import type { DropCounter } from './dropped.js';

const MAX_ERROR_TYPES_PER_OPERATION_TYPE = 32;
/** error.type of failures past the per-type limit, and of thrown values that are not Errors. */
export const OTHER_ERROR = '_OTHER';

/**
 * Operation types seen so far, each resolved once into frozen attribute objects that every
 * record of the type reuses. Invalid names and custom types past `maxCustomTypes` are dropped
 * and counted; error types per operation type are capped, the rest share `_OTHER`.
 */
export class TypeTable {
  private readonly entries = new Map<string, TypeEntry>();
  private customTypes = 0;
  private baseSets = 0;

  constructor(
    private readonly maxCustomTypes: number,
    private readonly drops: DropCounter,
  ) {}

  /** The entry of `type`, or undefined (dropped and counted) when it cannot be tracked. */
  get(type: string): TypeEntry | undefined {
    return this.entries.get(type) ?? this.resolve(type);
  }

  /**
   * Base attribute sets made so far, over every instrument: with the labelled series of each
   * instrument they must stay under the cardinality limit (see SeriesTable).
   */
  get baseSetCount(): number {
    return this.baseSets;
  }

  /** The cached attributes of a failure of `entry` with `errorType`. */
  failureAttributes(entry: TypeEntry, errorType: string): Attributes {
    return this.failure(entry.failAttrs, entry.attrs, errorType);
  }

  /** The cached gen_ai.client.operation.duration attributes of a failure. */
  genAiFailureAttributes(genAi: GenAiEntry, errorType: string): Attributes {
    return this.failure(genAi.failAttrs, genAi.attrs, errorType);
  }

  private failure(cache: Map<string, Attributes>, base: Attributes, errorType: string): Attributes {
    let attrs = cache.get(errorType);
    if (attrs === undefined) {
      if (cache.size >= MAX_ERROR_TYPES_PER_OPERATION_TYPE) return this.failure(cache, base, OTHER_ERROR);
      attrs = Object.freeze({ ...base, [ATTR_ERROR_TYPE]: errorType });
      cache.set(errorType, attrs);
      this.baseSets++;
    }
    return attrs;
  }

  private resolve(type: string): TypeEntry | undefined {
    if (!isValidOperationTypeName(type)) {
      this.drops.drop(
        'invalid_operation_type',
        `operation type ${JSON.stringify(type)} is not a built-in type nor a name matching /^[a-z][a-z0-9_]{0,62}$/`,
      );
      return undefined;
    }
    if (!isBuiltInOperationType(type)) {
      if (this.customTypes >= this.maxCustomTypes) {
        this.drops.drop('custom_type_limit', `custom operation type "${type}" is over the limit of ${this.maxCustomTypes} custom types`);
        return undefined;
      }
      this.customTypes++;
    }
    const attrs = Object.freeze({ [ATTR_OPERATION_TYPE]: type });
    const operation = type === OperationType.LLM_INFERENCE ? 'chat' : type === OperationType.EMBEDDING_GENERATION ? 'embeddings' : undefined;
    const entry: TypeEntry = {
      name: type,
      attrs,
      inputAttrs: Object.freeze({ ...attrs, [ATTR_TOKEN_TYPE]: 'input' }),
      outputAttrs: Object.freeze({ ...attrs, [ATTR_TOKEN_TYPE]: 'output' }),
      failAttrs: new Map(),
      genAi: operation === undefined ? undefined : genAiEntry(operation),
    };
    this.baseSets += operation === undefined ? 3 : 6;
    this.entries.set(type, entry);
    return entry;
  }
}

function genAiEntry(operation: 'chat' | 'embeddings'): GenAiEntry {
  const attrs = Object.freeze({ [ATTR_GEN_AI_OPERATION_NAME]: operation });
  return {
    operation,
    attrs,
    inputAttrs: Object.freeze({ ...attrs, [ATTR_TOKEN_TYPE]: 'input' }),
    outputAttrs: Object.freeze({ ...attrs, [ATTR_TOKEN_TYPE]: 'output' }),
    failAttrs: new Map(),
  };
}
