/**
 * Writes grafana/dashboards/*.json from the typed definitions in this folder.
 * Run after editing a dashboard: npx ts-node --project grafana/tsconfig.json grafana/src/generate.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { DASHBOARDS, renderDashboard } from './dashboards';

const outDir = join(__dirname, '..', 'dashboards');
for (const [file, build] of Object.entries(DASHBOARDS)) {
  writeFileSync(join(outDir, file), renderDashboard(build()));
  console.log(`wrote grafana/dashboards/${file}`);
}
