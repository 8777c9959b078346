import { counter, selector, TYPE_LABEL, type Scope } from './promql.js';

// Cost, in one place. The SDK's counters `rag.operation.cost` (unit USD) and
// `rag.operation.unpriced` are exported as the series below, labelled with the operation type
// and the model; the fleet view sums over models. When neither series exists, the report has
// no cost at all (not a cost of 0).

export const COST_SERIES = {
  /** USD spent, a counter. */
  costUsd: 'rag_operation_cost_USD_total',
  /** Operations with no price for their model, a counter. */
  unpriced: 'rag_operation_unpriced_total',
} as const;

export function costQueries(scope: Scope): Record<'costUsd' | 'unpriced', string> {
  return {
    costUsd: `sum by (${TYPE_LABEL}) (${counter(selector(COST_SERIES.costUsd, scope), scope)})`,
    unpriced: `sum by (${TYPE_LABEL}) (${counter(selector(COST_SERIES.unpriced, scope), scope)})`,
  };
}

/** One type's cost in the report's layout. */
export interface OperationCost {
  total_usd: number;
  /** total_usd / priced operations (count - unpriced); 0 when none was priced. */
  avg_usd: number;
  unpriced_operations: number;
}

export function operationCost(totalUsd: number, unpriced: number, operations: number): OperationCost {
  const priced = operations - unpriced;
  return { total_usd: totalUsd, avg_usd: priced > 0 ? totalUsd / priced : 0, unpriced_operations: unpriced };
}
