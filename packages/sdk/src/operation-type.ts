/** The seven built-in RAG pipeline stages. Their values are the `rag.operation.type` attribute. */
export enum OperationType {
  DOCUMENT_RETRIEVAL = 'document_retrieval',
  EMBEDDING_GENERATION = 'embedding_generation',
  RERANKING = 'reranking',
  LLM_INFERENCE = 'llm_inference',
  QUERY_PROCESSING = 'query_processing',
  PDF_LOADING = 'pdf_loading',
  SEMANTIC_CHUNKING = 'semantic_chunking',
}

/** A built-in type or a custom type name matching {@link OPERATION_TYPE_PATTERN}. */
export type OperationTypeName = OperationType | (string & {});

/** Custom operation type names: lower snake case, 1 to 63 characters, starting with a letter. */
export const OPERATION_TYPE_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

export const BUILT_IN_OPERATION_TYPES: readonly OperationType[] = Object.freeze(
  Object.values(OperationType),
);

const builtIn = new Set<string>(BUILT_IN_OPERATION_TYPES);

export function isBuiltInOperationType(name: string): name is OperationType {
  return builtIn.has(name);
}

export function isValidOperationTypeName(name: unknown): name is string {
  return typeof name === 'string' && OPERATION_TYPE_PATTERN.test(name);
}
