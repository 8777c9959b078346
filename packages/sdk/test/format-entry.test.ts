import * as formatEntry from '../src/format.js';
import { useMonitors } from './helpers/monitors.js';

// @ragmeter/sdk/format is what tools outside the SDK (the CLI's fleet view) judge health with;
// it must be the rule the monitor itself applies, not a copy of it.
describe('@ragmeter/sdk/format entry', () => {
  const monitors = useMonitors();

  it('exports the formatting helpers and the health rule by name', () => {
    expect(Object.keys(formatEntry).sort()).toEqual(
      ['DEFAULT_HEALTH_THRESHOLDS', 'evaluateHealth', 'formatDuration', 'formatNumber', 'formatReport', 'formatTable', 'formatUsd', 'toOperationReport'].sort(),
    );
  });

  it("evaluateHealth over a monitor's stats gives the monitor's own health", async () => {
    const monitor = monitors({ health: { maxRssMb: 1e6, p95ObjectiveSeconds: { document_retrieval: 0.05 } } });
    for (let i = 0; i < 20; i++) {
      monitor.recordOperation({ type: 'llm_inference', durationSeconds: 0.5, success: i % 4 !== 0 });
      monitor.recordOperation({ type: 'document_retrieval', durationSeconds: 0.1 });
    }
    const health = await monitor.getHealthStatus();
    const stats = await monitor.getAllStats();
    const again = formatEntry.evaluateHealth(health.memory_mb, stats, 40, {
      maxRssMb: 1e6,
      p95ObjectiveSeconds: { document_retrieval: 0.05 },
    });
    expect(health.issues).toHaveLength(2);
    expect(again).toEqual(health);
    expect(formatEntry.DEFAULT_HEALTH_THRESHOLDS.maxErrorRate).toBe(0.1);
  });
});
