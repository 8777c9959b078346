import { parseRegressionLimit } from '../../src/compare/regression-limit.js';
import { UsageError } from '../../src/errors.js';

describe('parseRegressionLimit', () => {
  it.each([
    ['10%', 10],
    ['2.5%', 2.5],
    ['0%', 0],
    ['.5%', 0.5],
    ['150%', 150],
  ])('reads %s as %d percent', (text, percent) => {
    expect(parseRegressionLimit(text)).toBe(percent);
  });

  it.each(['10', '0.1', '-5%', '%', '', '10 %', ' 10%', 'abc', '1e2%', '10%%', 'Infinity%', '10.%'])(
    'rejects %j with a usage error naming the value',
    (text) => {
      expect(() => parseRegressionLimit(text)).toThrow(UsageError);
      expect(() => parseRegressionLimit(text)).toThrow(`got '${text}'`);
    },
  );
});
