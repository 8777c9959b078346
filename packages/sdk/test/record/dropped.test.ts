import type { Counter } from '@opentelemetry/api';
import { DropCounter } from '../../src/record/dropped.js';
import { useWarningSpy } from '../helpers/monitors.js';

const warnings = useWarningSpy();

describe('DropCounter', () => {
  it('counts by reason, reports in reason order with a total', () => {
    const drops = new DropCounter();
    drops.drop('invalid_token_count', 'x');
    drops.drop('invalid_duration', 'y');
    drops.drop('invalid_token_count', 'z');
    expect(drops.count('invalid_token_count')).toBe(2);
    expect(drops.count('custom_type_limit')).toBe(0);
    const report = drops.report();
    expect(report).toEqual({ total: 3, by_reason: { invalid_duration: 1, invalid_token_count: 2 } });
    expect(Object.keys(report.by_reason)).toEqual(['invalid_duration', 'invalid_token_count']);
  });

  it('warns once per reason, as a RagMeterWarning with a code, even after reset()', () => {
    const drops = new DropCounter();
    drops.drop('invalid_duration', 'durationSeconds must be a finite number >= 0, got NaN');
    drops.drop('invalid_duration', 'again');
    drops.reset();
    drops.drop('invalid_duration', 'after reset');
    drops.drop('invalid_attribute', 'attr');
    expect(warnings().mock.calls).toEqual([
      [
        'ragmeter dropped a value: durationSeconds must be a finite number >= 0, got NaN. Further drops of this kind (invalid_duration) are counted in the report without a warning.',
        { type: 'RagMeterWarning', code: 'RAGMETER_INVALID_DURATION' },
      ],
      [expect.stringContaining('(invalid_attribute)'), { type: 'RagMeterWarning', code: 'RAGMETER_INVALID_ATTRIBUTE' }],
    ]);
    expect(drops.report()).toEqual({ total: 2, by_reason: { invalid_attribute: 1, invalid_duration: 1 } });
  });

  it('mirrors drops on the attached counter; a failing counter does not stop the count', () => {
    const add = jest.fn();
    const drops = new DropCounter();
    drops.attach({ add } as unknown as Counter);
    drops.drop('invalid_duration', 'x');
    drops.drop('invalid_duration', 'x');
    expect(add).toHaveBeenCalledTimes(2);
    expect(add).toHaveBeenLastCalledWith(1, { reason: 'invalid_duration' });
    add.mockImplementation(() => {
      throw new Error('exporter broke');
    });
    expect(() => drops.drop('invalid_duration', 'x')).not.toThrow();
    expect(drops.count('invalid_duration')).toBe(3);
  });
});
