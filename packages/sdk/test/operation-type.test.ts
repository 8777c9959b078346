import fc from 'fast-check';
import {
  BUILT_IN_OPERATION_TYPES,
  OPERATION_TYPE_PATTERN,
  OperationType,
  isBuiltInOperationType,
  isValidOperationTypeName,
} from '../src/operation-type.js';

describe('OperationType', () => {
  it('has the seven RAG stages with their attribute values', () => {
    expect({ ...OperationType }).toEqual({
      DOCUMENT_RETRIEVAL: 'document_retrieval',
      EMBEDDING_GENERATION: 'embedding_generation',
      RERANKING: 'reranking',
      LLM_INFERENCE: 'llm_inference',
      QUERY_PROCESSING: 'query_processing',
      PDF_LOADING: 'pdf_loading',
      SEMANTIC_CHUNKING: 'semantic_chunking',
    });
    expect([...BUILT_IN_OPERATION_TYPES].sort()).toEqual(Object.values(OperationType).sort());
    expect(Object.isFrozen(BUILT_IN_OPERATION_TYPES)).toBe(true);
  });

  it('built-in names are valid names, and recognised as built in', () => {
    for (const t of BUILT_IN_OPERATION_TYPES) {
      expect(isValidOperationTypeName(t)).toBe(true);
      expect(isBuiltInOperationType(t)).toBe(true);
    }
    expect(isBuiltInOperationType('graph_expansion')).toBe(false);
  });
});

describe('custom type names', () => {
  it('accepts lower snake case, 1 to 63 characters, starting with a letter', () => {
    for (const name of ['a', 'graph_expansion', 'step2', 'x'.repeat(63), 'a_1_b']) expect(isValidOperationTypeName(name)).toBe(true);
  });

  it('rejects everything else', () => {
    for (const name of ['', 'A', 'Graph', '2step', '_x', 'with-dash', 'with space', 'x'.repeat(64), 'é', 'a.b', 'a\n']) {
      expect(isValidOperationTypeName(name)).toBe(false);
    }
    for (const value of [undefined, null, 1, {}, ['a'], Symbol('a')]) expect(isValidOperationTypeName(value)).toBe(false);
  });

  it('the pattern is /^[a-z][a-z0-9_]{0,62}$/ (checked against a character-by-character definition)', () => {
    expect(OPERATION_TYPE_PATTERN.source).toBe('^[a-z][a-z0-9_]{0,62}$');
    const valid = (s: string): boolean =>
      s.length >= 1 && s.length <= 63 && s[0]! >= 'a' && s[0]! <= 'z' && [...s].every((c) => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '_');
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'z', '0', '9', '_', 'A', '-', ' ', '.'), maxLength: 70 }), (s) => {
        expect(isValidOperationTypeName(s)).toBe(valid(s));
      }),
      { numRuns: 500 },
    );
  });
});
