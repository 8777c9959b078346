/** The dashboards ragmeter ships, by the file name they are written to in grafana/dashboards/. */
import type { Dashboard } from '@grafana/schema';

import { ragDrilldown } from './rag-drilldown';
import { ragOverview } from './rag-overview';

export const DASHBOARDS: Readonly<Record<string, () => Dashboard>> = {
  'rag-overview.json': ragOverview,
  'rag-drilldown.json': ragDrilldown,
};

/** The exact text committed for a dashboard: two-space JSON and a final newline. */
export function renderDashboard(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
