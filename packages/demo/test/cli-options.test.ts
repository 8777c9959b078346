import { parseCliOptions, USAGE, UsageError } from '../src/cli-options';

describe('parseCliOptions', () => {
  it('has the documented defaults', () => {
    expect(parseCliOptions([])).toEqual({
      help: false,
      durationSeconds: undefined,
      ratePerSecond: 5,
      load: true,
      port: 3000,
      host: '127.0.0.1',
      metricsPort: undefined,
    });
  });

  it('reads every flag', () => {
    expect(
      parseCliOptions(['--duration', '3', '--rate=12.5', '--no-load', '--port', '0', '--host', '0.0.0.0', '--metrics-port', '9465']),
    ).toEqual({
      help: false,
      durationSeconds: 3,
      ratePerSecond: 12.5,
      load: false,
      port: 0,
      host: '0.0.0.0',
      metricsPort: 9465,
    });
    expect(parseCliOptions(['-h']).help).toBe(true);
    expect(parseCliOptions(['--help']).help).toBe(true);
  });

  it.each([
    [['--duration', '0'], /--duration must be a number of seconds > 0, got "0"/],
    [['--duration', 'soon'], /--duration must be/],
    [['--duration', ''], /--duration must be/],
    [['--rate=-1'], /--rate must be a rate between 0 and 1000/],
    [['--rate', '0'], /--rate must be/],
    [['--rate', '5000'], /--rate must be/],
    [['--port', '70000'], /--port must be a port number 0-65535, got "70000"/],
    [['--port', '80.5'], /--port must be/],
    [['--metrics-port', 'x'], /--metrics-port must be/],
    [['--durations', '3'], /Unknown option '--durations'/],
    [['serve'], /Unexpected argument 'serve'/],
    [['--duration'], /--duration <value>' argument missing/],
  ])('rejects %j with a UsageError', (argv, message) => {
    expect(() => parseCliOptions(argv)).toThrow(UsageError);
    expect(() => parseCliOptions(argv)).toThrow(message);
  });

  it('documents every flag it accepts in the usage text', () => {
    for (const flag of ['--duration', '--rate', '--no-load', '--port', '--host', '--metrics-port', '--help', 'OPENAI_BASE_URL']) {
      expect(USAGE).toContain(flag);
    }
  });
});
