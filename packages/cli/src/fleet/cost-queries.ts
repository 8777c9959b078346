import type { CostTotal, OperationCost } from '@ragmeter/sdk';
import { counter, selector, TYPE_LABEL, type Scope } from './promql.js';

// Cost, in one place. The SDK's counters `rag.operation.cost` (unit USD), `rag.operation.priced`
// and `rag.operation.unpriced` are exported as the series below, labelled with the operation
// type and the model; the fleet view sums over models. As in the SDK's report, a type has a
// cost only when one of its operations had a model (any of these series exists for it), and
// the top-level cost is always there: zeros when no operation had a model.

export const COST_SERIES = {
  /** USD spent, a counter. */
  costUsd: 'rag_operation_cost_USD_total',
  /** Operations whose model has a price (those costUsd adds up), a counter. */
  priced: 'rag_operation_priced_total',
  /** Operations with no price for their model, a counter. */
  unpriced: 'rag_operation_unpriced_total',
} as const;

export type CostQuery = keyof typeof COST_SERIES;

export function costQueries(scope: Scope): Record<CostQuery, string> {
  const sum = (name: string): string => `sum by (${TYPE_LABEL}) (${counter(selector(name, scope), scope)})`;
  return { costUsd: sum(COST_SERIES.costUsd), priced: sum(COST_SERIES.priced), unpriced: sum(COST_SERIES.unpriced) };
}

/** One type's cost in the report's layout: avg_usd = total_usd / priced operations, 0 when none. */
export function operationCost(totalUsd: number, priced: number, unpriced: number): OperationCost {
  return { total_usd: totalUsd, avg_usd: priced > 0 ? totalUsd / priced : 0, unpriced_operations: unpriced };
}

/** Every type's cost together (zeros for none, as the SDK reports when no operation had a model). */
export function costTotal(costs: Iterable<OperationCost>): CostTotal {
  const total: CostTotal = { total_usd: 0, unpriced_operations: 0 };
  for (const c of costs) {
    total.total_usd += c.total_usd;
    total.unpriced_operations += c.unpriced_operations;
  }
  return total;
}
