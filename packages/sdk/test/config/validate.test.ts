import { RagMeterConfigError, validateOptions } from '../../src/config/validate';

const invalid = (config: unknown): string => {
  try {
    validateOptions(config);
  } catch (error) {
    expect(error).toBeInstanceOf(RagMeterConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(config)} to be rejected`);
};

describe('validateOptions', () => {
  it('accepts an empty config and a full valid one', () => {
    expect(() => validateOptions(undefined)).not.toThrow();
    expect(() =>
      validateOptions({
        serviceName: 'svc',
        prometheus: { port: 0, host: '0.0.0.0' },
        otlp: { endpoint: 'https://collector:4318', protocol: 'grpc', headers: { a: 'b' }, intervalMillis: 1000 },
        hostMetrics: false,
        health: { maxRssMb: 500, maxErrorRate: 0.05, p95ObjectiveSeconds: { llm_inference: 2 } },
        windowSeconds: 60,
        metricAttributes: ['gen_ai.request.model'],
      }),
    ).not.toThrow();
  });

  it('names an unknown key and lists the accepted ones', () => {
    const message = invalid({ servicename: 'x' });
    expect(message).toContain('"servicename"');
    expect(message).toContain('serviceName');
    expect(invalid({ prometheus: { prot: 1 } })).toContain('"prometheus.prot"');
    expect(invalid({ otlp: { url: 'http://x' } })).toMatch(/"otlp\.url".*endpoint/);
  });

  it.each([70000, -1, 1.5, '9464', NaN])('rejects port %p naming the key and the range', (port) => {
    const message = invalid({ prometheus: { port } });
    expect(message).toContain('"prometheus.port"');
    expect(message).toContain('0 to 65535');
  });

  it.each(['not a url', 'ftp://collector:21', 42])('rejects OTLP endpoint %p', (endpoint) => {
    expect(invalid({ otlp: { endpoint } })).toMatch(/"otlp\.endpoint".*http:\/\/ or https:\/\//);
  });

  it('rejects per-signal endpoints that are not URLs', () => {
    expect(invalid({ otlp: { tracesEndpoint: 'nope' } })).toContain('"otlp.tracesEndpoint"');
  });

  it('rejects an unknown protocol, listing the accepted ones', () => {
    expect(invalid({ otlp: { protocol: 'http' } })).toContain('http/protobuf, http/json, grpc');
  });

  it.each([
    [{ hostMetrics: 'yes' }, 'hostMetrics', 'true or false'],
    [{ serviceName: 5 }, 'serviceName', 'a string'],
    [{ serviceName: ' ' }, 'serviceName', 'non-empty'],
    [{ windowSeconds: 0 }, 'windowSeconds', 'positive'],
    [{ metricAttributes: 'a,b' }, 'metricAttributes', 'array'],
    [{ health: { maxErrorRate: 2 } }, 'health.maxErrorRate', '0 to 1'],
    [{ health: { p95ObjectiveSeconds: { llm_inference: -1 } } }, 'health.p95ObjectiveSeconds.llm_inference', '>= 0'],
    [{ otlp: { headers: { a: 1 } } }, 'otlp.headers.a', 'a string'],
    [{ prometheus: true }, 'prometheus', 'or false'],
  ])('rejects %j naming %s', (config, key, accepted) => {
    const message = invalid(config);
    expect(message).toContain(`"${key}"`);
    expect(message).toContain(accepted);
  });

  it('rejects OTLP headers the transport would refuse at every export', () => {
    expect(invalid({ otlp: { headers: { 'bad key': 'x' } } })).toContain('"otlp.headers.bad key"');
    expect(invalid({ otlp: { headers: { auth: 'a\nb' } } })).toMatch(/"otlp\.headers\.auth".*line breaks/);
    expect(invalid({ otlp: { protocol: 'grpc', headers: { 'x/y': '1' } } })).toContain('gRPC metadata key');
    expect(() => validateOptions({ otlp: { headers: { Authorization: 'Bearer a.b-c' } } })).not.toThrow();
  });

  it('requires a percentileReader with an external meterProvider', () => {
    expect(invalid({ meterProvider: { getMeter: () => undefined } })).toContain('percentileReader');
  });
});

describe('validateOptions: bounds and the whole object', () => {
  it.each([null, 'x', 5, []])('rejects %p as the options object, naming it', (options) => {
    expect(invalid(options)).toContain('"(options)"');
  });

  it('rejects timer periods that overflow Node timers (2^31 - 1 ms), naming the key', () => {
    expect(invalid({ otlp: { intervalMillis: 2 ** 31 } })).toMatch(/"otlp\.intervalMillis".*at most 2147483647/);
    expect(invalid({ otlp: { timeoutMillis: 2 ** 40 } })).toContain('"otlp.timeoutMillis"');
    expect(invalid({ windowSeconds: 365 * 86400 })).toContain('"windowSeconds"');
    expect(invalid({ memorySampleIntervalMs: 2 ** 31 })).toContain('"memorySampleIntervalMs"');
    expect(() => validateOptions({ windowSeconds: 86400, memorySampleIntervalMs: 0, otlp: { intervalMillis: 2 ** 31 - 1 } })).not.toThrow();
  });

  it('the error carries the key it names', () => {
    try {
      validateOptions({ prometheus: { port: -1 } });
    } catch (error) {
      expect((error as RagMeterConfigError).key).toBe('prometheus.port');
      return;
    }
    throw new Error('expected a RagMeterConfigError');
  });

  it('refuses what cannot apply to providers ragmeter does not own', () => {
    const joined = { meterProvider: { getMeter: () => undefined }, percentileReader: {} };
    expect(invalid({ ...joined, otlp: { endpoint: 'http://x:4318' } })).toContain('"otlp"');
    expect(invalid({ ...joined, prometheus: { port: 0 } })).toContain('prometheusReader');
    expect(invalid({ ...joined, metricReaders: [] })).toContain('"metricReaders"');
    expect(invalid({ tracerProvider: { getTracer: () => undefined }, spanProcessors: [] })).toContain('"spanProcessors"');
  });
});

describe('validateOptions: pricing', () => {
  const price = { inputPerMillionTokens: 1, outputPerMillionTokens: 2 };

  it('accepts prices by model, cache reads and writes optional, 0 allowed', () => {
    const d = { ...price, cachedInputPerMillionTokens: 0.1, cacheWriteInputPerMillionTokens: 1.25 };
    expect(() => validateOptions({ pricing: { a: price, b: { ...price, cachedInputPerMillionTokens: 0 }, c: { inputPerMillionTokens: 0, outputPerMillionTokens: 0 }, d } })).not.toThrow();
  });

  it.each([
    [{ 'acme-llm': { outputPerMillionTokens: 2 } }, 'pricing.acme-llm.inputPerMillionTokens'],
    [{ 'acme-llm': { ...price, outputPerMillionTokens: -1 } }, 'pricing.acme-llm.outputPerMillionTokens'],
    [{ 'acme-llm': { ...price, cachedInputPerMillionTokens: '0.5' } }, 'pricing.acme-llm.cachedInputPerMillionTokens'],
    [{ 'acme-llm': { ...price, cacheWriteInputPerMillionTokens: -1.25 } }, 'pricing.acme-llm.cacheWriteInputPerMillionTokens'],
    [{ 'acme-llm': { ...price, inputPerMillionTokens: NaN } }, 'pricing.acme-llm.inputPerMillionTokens'],
    [{ 'acme-llm': { ...price, inputPerMilionTokens: 1 } }, 'pricing.acme-llm.inputPerMilionTokens'],
    [{ 'acme-llm': 3 }, 'pricing.acme-llm'],
    [{ '': price }, 'pricing.'],
    [[price], 'pricing'],
  ])('a bad entry names the model and the field: %j', (pricing, key) => {
    try {
      validateOptions({ pricing });
    } catch (error) {
      expect(error).toBeInstanceOf(RagMeterConfigError);
      expect((error as RagMeterConfigError).key).toBe(key);
      expect((error as Error).message).toContain(`"${key}`);
      return;
    }
    throw new Error('expected a RagMeterConfigError');
  });
});
