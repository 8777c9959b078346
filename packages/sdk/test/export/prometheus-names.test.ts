import { prometheusBaseName, prometheusUnit } from '../../src/export/prometheus-names';

describe('OTel to Prometheus names (the Collector rules)', () => {
  it.each([
    ['s', false, 'seconds'],
    ['ms', false, 'milliseconds'],
    ['By', false, 'bytes'],
    ['MiBy', false, 'mebibytes'],
    ['{token}', false, ''],
    ['{packet}', true, ''],
    ['1', true, 'ratio'],
    ['1', false, ''],
    ['By/s', false, 'bytes_per_second'],
    ['', true, ''],
    ['%', true, 'percent'],
  ])('unit %j (gauge %s) -> %j', (unit, gauge, expected) => {
    expect(prometheusUnit(unit, gauge)).toBe(expected);
  });

  it('appends the unit once and sanitises dots', () => {
    expect(prometheusBaseName('rag.operation.duration', 's', false)).toBe('rag_operation_duration_seconds');
    expect(prometheusBaseName('already.in_seconds', 's', false)).toBe('already_in_seconds');
    expect(prometheusBaseName('rag.operation.tokens', '{token}', false)).toBe('rag_operation_tokens');
    expect(prometheusBaseName('system.memory.utilization', '1', true)).toBe('system_memory_utilization_ratio');
  });
});
