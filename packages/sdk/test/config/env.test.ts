import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeOptions, optionsFromEnv, parseHeaderList } from '../../src/config/env';
import { RagMeterConfigError } from '../../src/config/validate';
import type { RagMeterOptions } from '../../src/config/types';

/** optionsFromEnv() with exactly `vars` set among the variables it reads. */
function fromEnv(vars: Record<string, string>): RagMeterOptions {
  const saved = process.env;
  process.env = Object.fromEntries(Object.entries(saved).filter(([k]) => !/^(RAGMETER_|OTEL_)/.test(k)));
  Object.assign(process.env, vars);
  try {
    return optionsFromEnv().options;
  } finally {
    process.env = saved;
  }
}

describe('optionsFromEnv', () => {
  it('reads RAGMETER_* and the standard OTEL_* variables', () => {
    const config = fromEnv({
      RAGMETER_PROMETHEUS_PORT: '9999',
      RAGMETER_PROMETHEUS_HOST: '0.0.0.0',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-tenant=t1',
      RAGMETER_HOST_METRICS: 'false',
      RAGMETER_WINDOW_SECONDS: '120',
      RAGMETER_HEALTH_MAX_ERROR_RATE: '0.2',
      RAGMETER_METRIC_ATTRIBUTES: 'gen_ai.request.model, tenant',
      OTEL_SDK_DISABLED: 'false',
    });
    expect(config).toEqual({
      disabled: false,
      prometheus: { port: 9999, host: '0.0.0.0' },
      otlp: {
        endpoint: 'http://collector:4318',
        protocol: 'http/json',
        headers: { authorization: 'Bearer abc', 'x-tenant': 't1' },
      },
      hostMetrics: false,
      windowSeconds: 120,
      health: { maxErrorRate: 0.2 },
      metricAttributes: ['gen_ai.request.model', 'tenant'],
    });
  });

  it('reads the per-signal endpoints, the export timeout and the span queue size', () => {
    expect(
      fromEnv({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/v1/traces',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics:4318/custom',
        OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
        OTEL_BSP_MAX_QUEUE_SIZE: '512',
      }).otlp,
    ).toEqual({
      tracesEndpoint: 'http://traces:4318/v1/traces',
      metricsEndpoint: 'http://metrics:4318/custom',
      timeoutMillis: 2500,
      maxQueueSize: 512,
    });
  });

  it('turns exporters off and leaves OTLP off without an endpoint', () => {
    expect(fromEnv({ RAGMETER_PROMETHEUS: 'off', RAGMETER_OTLP: '0' })).toEqual({ prometheus: false, otlp: false });
    expect(fromEnv({})).toEqual({});
  });

  it('names a malformed variable', () => {
    expect(() => fromEnv({ RAGMETER_HOST_METRICS: 'maybe' })).toThrow(/RAGMETER_HOST_METRICS.*true or false/);
    expect(() => fromEnv({ RAGMETER_PROMETHEUS_PORT: 'ninety' })).toThrow(/RAGMETER_PROMETHEUS_PORT.*number/);
    expect(() => parseHeaderList('novalue', 'OTEL_EXPORTER_OTLP_HEADERS')).toThrow(/OTEL_EXPORTER_OTLP_HEADERS/);
  });
});

describe('optionsFromEnv: OTEL_* variables as every OTel SDK reads them', () => {
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    const logger: DiagLogger = { error: () => undefined, warn: (m) => void warnings.push(m), info: () => undefined, debug: () => undefined, verbose: () => undefined };
    diag.setLogger(logger, DiagLogLevel.WARN);
  });
  afterEach(() => diag.disable());

  it('OTEL_SDK_DISABLED: only "true" disables; another value warns and does not', () => {
    expect(fromEnv({ OTEL_SDK_DISABLED: 'TRUE' }).disabled).toBe(true);
    expect(warnings).toEqual([]);
    expect(fromEnv({ OTEL_SDK_DISABLED: 'yes' }).disabled).toBe(false);
    expect(warnings.join('\n')).toMatch(/OTEL_SDK_DISABLED/);
  });

  it('a number variable that is not a number is warned about and ignored', () => {
    expect(fromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' }).otlp).toEqual({ endpoint: 'http://c:4318' });
    expect(warnings.join('\n')).toMatch(/OTEL_EXPORTER_OTLP_TIMEOUT/);
  });

  it('OTEL_EXPORTER_OTLP_HEADERS that cannot be URL-decoded names the variable', () => {
    expect(() => fromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: '%zz=1' })).toThrow(
      /OTEL_EXPORTER_OTLP_HEADERS.*URL-encoded/,
    );
  });

  it('tells which variable each option came from', () => {
    const saved = process.env;
    process.env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TIMEOUT: '5', RAGMETER_PROMETHEUS_PORT: '1', RAGMETER_WINDOW_SECONDS: '9' };
    try {
      const { sources } = optionsFromEnv();
      expect(Object.fromEntries(sources)).toEqual({
        'otlp.endpoint': 'OTEL_EXPORTER_OTLP_ENDPOINT',
        'otlp.timeoutMillis': 'OTEL_EXPORTER_OTLP_TIMEOUT',
        'prometheus.port': 'RAGMETER_PROMETHEUS_PORT',
        windowSeconds: 'RAGMETER_WINDOW_SECONDS',
      });
    } finally {
      process.env = saved;
    }
  });
});

describe('mergeOptions', () => {
  it('lets code win key by key over the environment', () => {
    const merged = mergeOptions(
      { prometheus: { port: 1, host: '0.0.0.0' }, hostMetrics: false, windowSeconds: 10 },
      { prometheus: { port: 2 }, windowSeconds: 20 },
    );
    expect(merged).toEqual({ prometheus: { port: 2, host: '0.0.0.0' }, hostMetrics: false, windowSeconds: 20 });
    expect(mergeOptions({ prometheus: false }, { prometheus: { port: 3 } }).prometheus).toEqual({ port: 3 });
    expect(mergeOptions({ prometheus: { port: 3 } }, { prometheus: false }).prometheus).toBe(false);
  });

  it('an OTLP endpoint in code covers both signals, over per-signal URLs from the environment', () => {
    const env = { otlp: { tracesEndpoint: 'http://env/v1/traces', timeoutMillis: 100 } };
    expect(mergeOptions(env, { otlp: { endpoint: 'http://code:4318' } }).otlp).toEqual({ endpoint: 'http://code:4318', timeoutMillis: 100 });
    expect(mergeOptions(env, { otlp: { headers: { a: 'b' } } }).otlp).toEqual({ ...env.otlp, headers: { a: 'b' } });
  });
});

describe('RAGMETER_PRICING_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ragmeter-pricing-'));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const failure = (path: string): RagMeterConfigError => {
    try {
      fromEnv({ RAGMETER_PRICING_FILE: path });
    } catch (error) {
      expect(error).toBeInstanceOf(RagMeterConfigError);
      return error as RagMeterConfigError;
    }
    throw new Error('expected a RagMeterConfigError');
  };

  it('gives the `pricing` option from a JSON file of the same shape', () => {
    const prices = { 'acme-llm': { inputPerMillionTokens: 1.5, outputPerMillionTokens: 3, cachedInputPerMillionTokens: 0.1 } };
    expect(fromEnv({ RAGMETER_PRICING_FILE: file('ok.json', JSON.stringify(prices)) })).toEqual({ pricing: prices });
  });

  it('a file that cannot be read, is not JSON or has a bad entry fails naming the file', () => {
    const missing = join(dir, 'missing.json');
    expect(failure(missing).message).toContain(missing);
    expect(failure(missing).message).toContain('ENOENT');
    const broken = file('broken.json', '{ "acme-llm": ');
    expect(failure(broken).message).toMatch(new RegExp(`${broken.replace(/[.\\/]/g, '\\$&')}.*not valid JSON`));
    const bad = file('bad.json', JSON.stringify({ 'acme-llm': { inputPerMillionTokens: 1, outputPerMillionTokens: 'two' } }));
    const error = failure(bad);
    expect(error.message).toContain(bad);
    expect(error.message).toContain('acme-llm.outputPerMillionTokens');
    expect(error.key).toBe('RAGMETER_PRICING_FILE');
    expect(failure(file('array.json', '[]')).message).toContain('array.json');
  });

  it("merges under the code's prices, model by model", () => {
    const a = { inputPerMillionTokens: 1, outputPerMillionTokens: 1 };
    const b = { inputPerMillionTokens: 2, outputPerMillionTokens: 2 };
    expect(mergeOptions({ pricing: { x: a, y: a } }, { pricing: { y: b } }).pricing).toEqual({ x: a, y: b });
  });
});
