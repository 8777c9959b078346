import { RagMeterConfigError, configFromEnv, mergeConfig, parseKeyValueList, validateConfig } from '../src/config';

const invalid = (config: unknown): string => {
  try {
    validateConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(RagMeterConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(config)} to be rejected`);
};

describe('validateConfig', () => {
  it('accepts an empty config and a full valid one', () => {
    expect(() => validateConfig(undefined)).not.toThrow();
    expect(() =>
      validateConfig({
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
    expect(() => validateConfig({ otlp: { headers: { Authorization: 'Bearer a.b-c' } } })).not.toThrow();
  });

  it('requires a percentileReader with an external meterProvider', () => {
    expect(invalid({ meterProvider: { getMeter: () => undefined } })).toContain('percentileReader');
  });
});

describe('configFromEnv', () => {
  it('reads RAGMETER_* and the standard OTEL_* variables', () => {
    const config = configFromEnv({
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
      configFromEnv({
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
    expect(invalid({ otlp: { tracesEndpoint: 'nope' } })).toContain('"otlp.tracesEndpoint"');
  });

  it('turns exporters off and leaves OTLP off without an endpoint', () => {
    expect(configFromEnv({ RAGMETER_PROMETHEUS: 'off', RAGMETER_OTLP: '0' })).toEqual({ prometheus: false, otlp: false });
    expect(configFromEnv({})).toEqual({});
  });

  it('names a malformed variable', () => {
    expect(() => configFromEnv({ RAGMETER_HOST_METRICS: 'maybe' })).toThrow(/RAGMETER_HOST_METRICS.*true or false/);
    expect(() => configFromEnv({ RAGMETER_PROMETHEUS_PORT: 'ninety' })).toThrow(/RAGMETER_PROMETHEUS_PORT.*number/);
    expect(() => parseKeyValueList('novalue', 'OTEL_EXPORTER_OTLP_HEADERS')).toThrow(/OTEL_EXPORTER_OTLP_HEADERS/);
  });
});

describe('mergeConfig', () => {
  it('lets code win key by key over the environment', () => {
    const merged = mergeConfig(
      { prometheus: { port: 1, host: '0.0.0.0' }, hostMetrics: false, windowSeconds: 10 },
      { prometheus: { port: 2 }, windowSeconds: 20 },
    );
    expect(merged).toEqual({ prometheus: { port: 2, host: '0.0.0.0' }, hostMetrics: false, windowSeconds: 20 });
    expect(mergeConfig({ prometheus: false }, { prometheus: { port: 3 } }).prometheus).toEqual({ port: 3 });
    expect(mergeConfig({ prometheus: { port: 3 } }, { prometheus: false }).prometheus).toBe(false);
  });

  it('an OTLP endpoint in code covers both signals, over per-signal URLs from the environment', () => {
    const env = { otlp: { tracesEndpoint: 'http://env/v1/traces', timeoutMillis: 100 } };
    expect(mergeConfig(env, { otlp: { endpoint: 'http://code:4318' } }).otlp).toEqual({ endpoint: 'http://code:4318', timeoutMillis: 100 });
    expect(mergeConfig(env, { otlp: { headers: { a: 'b' } } }).otlp).toEqual({ ...env.otlp, headers: { a: 'b' } });
  });
});
