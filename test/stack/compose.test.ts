// docker-compose.yml, checked without a Docker engine: it parses, everything it mounts or builds
// from exists, every service is health-checked and started in order, secrets have no default,
// and the ports and paths in it agree with the configs of the services it starts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, posix } from 'node:path';

import { PROVISIONED_PROMETHEUS_UID } from '../../grafana/src/panels';
import { dashboardFileNames, loadDashboard, readYaml, repoPath } from './support/stack-files';

interface Healthcheck {
  test: string[] | string;
  interval?: string;
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = readYaml<Compose>('docker-compose.yml');
const services = compose.services;

function mounts(service: string): Array<{ source: string; target: string; bind: boolean }> {
  return (services[service]?.volumes ?? []).map((v) => {
    const [source = '', target = ''] = v.split(':');
    return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
  });
}

/** The host path that a container path of `service` comes from (bind mounts, longest prefix). */
function hostPathOf(service: string, containerPath: string): string | undefined {
  const candidates = mounts(service)
    .filter((m) => m.bind && (containerPath === m.target || containerPath.startsWith(`${m.target}/`)))
    .sort((a, b) => b.target.length - a.target.length);
  const m = candidates[0];
  if (!m) return undefined;
  return repoPath(m.source, posix.relative(m.target, containerPath));
}

function healthcheckText(service: string): string {
  const test = services[service]?.healthcheck?.test ?? [];
  return Array.isArray(test) ? test.join(' ') : test;
}

describe('docker-compose.yml', () => {
  it('defines the five services of the stack', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['demo', 'otel-collector', 'prometheus', 'grafana', 'tempo']),
    );
  });

  it('mounts and builds only from files and folders that exist', () => {
    const checked: string[] = [];
    for (const name of Object.keys(services)) {
      for (const m of mounts(name).filter((x) => x.bind)) {
        expect({ service: name, source: m.source, exists: existsSync(repoPath(m.source)) }).toEqual({
          service: name,
          source: m.source,
          exists: true,
        });
        checked.push(m.source);
      }
      const build = services[name]!.build;
      if (build) {
        expect(statSync(repoPath(build.context)).isDirectory()).toBe(true);
        const dockerfile = repoPath(build.context, build.dockerfile ?? 'Dockerfile');
        expect(existsSync(dockerfile)).toBe(true);
        // BuildKit's per-Dockerfile ignore file keeps node_modules out of the build context.
        expect(readFileSync(`${dockerfile}.dockerignore`, 'utf8')).toMatch(/node_modules/);
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(6);
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.image) continue;
      expect({ name, image: service.image }).toEqual({
        name,
        image: expect.stringMatching(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+[\w.-]*$/),
      });
    }
  });

  it('keeps Prometheus, Grafana and Tempo data in named volumes', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const [service, path] of [
      ['prometheus', '/prometheus'],
      ['grafana', '/var/lib/grafana'],
      ['tempo', '/var/tempo'],
    ] as const) {
      const m = mounts(service).find((x) => x.target === path);
      expect({ service, named: m !== undefined && !m.bind }).toEqual({ service, named: true });
      expect(declared).toContain(m!.source);
    }
    for (const name of Object.keys(services)) {
      for (const m of mounts(name).filter((x) => !x.bind)) expect(declared).toContain(m.source);
    }
  });

  it('health-checks every long-running service and starts each after what it needs', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.restart === 'no') continue; // one-shot set-up service
      expect({ name, healthcheck: healthcheckText(name) }).toEqual({ name, healthcheck: expect.stringMatching(/\S/) });
    }
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dep]).toBeDefined();
        if (condition === 'service_healthy') expect(services[dep]!.healthcheck).toBeDefined();
        else expect({ name, dep, condition }).toEqual({ name, dep, condition: 'service_completed_successfully' });
        if (condition === 'service_completed_successfully') expect(services[dep]!.restart).toBe('no');
      }
    }
    expect(Object.keys(services.demo!.depends_on ?? {})).toContain('otel-collector');
    expect(Object.keys(services.grafana!.depends_on ?? {})).toEqual(expect.arrayContaining(['prometheus', 'tempo']));
  });

  it('runs health checks that exist inside the container', () => {
    // Images without a shell get the static busybox of the probe-tools volume.
    for (const name of Object.keys(services)) {
      const text = healthcheckText(name);
      if (!text.includes('/probe/busybox')) continue;
      expect(mounts(name).some((m) => m.source === 'probe-tools' && m.target === '/probe')).toBe(true);
      expect(services[name]!.depends_on?.['probe-tools']?.condition).toBe('service_completed_successfully');
    }
    expect(services['probe-tools']!.command!.join(' ')).toContain('/probe/busybox');
  });

  it('requires GRAFANA_ADMIN_PASSWORD and has no default secret', () => {
    const env = services.grafana!.environment ?? {};
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/);
    const text = readFileSync(repoPath('docker-compose.yml'), 'utf8');
    expect(text).not.toMatch(/GRAFANA_ADMIN_PASSWORD:-/);
    expect(text).not.toMatch(/GF_SECURITY_ADMIN_PASSWORD:\s*["']?(admin|password)/i);
  });

  it('publishes ports on loopback only', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        expect({ name, port }).toEqual({ name, port: expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/) });
      }
    }
  });
});

describe('compose wiring', () => {
  interface CollectorConfig {
    extensions: { health_check: { endpoint: string } };
    receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
    exporters: Record<string, { endpoint: string }>;
  }
  const collectorConfigPath = services['otel-collector']!.command!.find((c) => c.startsWith('--config='))!.slice('--config='.length);
  const collectorHostPath = hostPathOf('otel-collector', collectorConfigPath);

  it('gives the Collector the config file in collector/', () => {
    expect(collectorHostPath).toBe(repoPath('collector', 'otel-collector.yaml'));
  });

  it('points the demo at the Collector and its health check at its metrics port', () => {
    const collector = readYaml<CollectorConfig>('collector', 'otel-collector.yaml');
    const env = services.demo!.environment ?? {};
    const httpPort = collector.receivers.otlp.protocols.http.endpoint.split(':').pop();
    expect(env.RAGMETER_OTLP_ENDPOINT).toBe(`http://otel-collector:${httpPort}`);
    expect(env.RAGMETER_PROMETHEUS_HOST).toBe('0.0.0.0');
    expect(healthcheckText('demo')).toContain('http://127.0.0.1:9464/health');
    expect(services.demo!.command).toEqual(['npm', 'run', 'demo', '--']);
  });

  it('probes the Collector on the port of its health_check extension', () => {
    const collector = readYaml<CollectorConfig>('collector', 'otel-collector.yaml');
    const port = collector.extensions.health_check.endpoint.split(':').pop();
    expect(healthcheckText('otel-collector')).toContain(`http://127.0.0.1:${port}/`);
  });

  it('sends traces to the port Tempo receives OTLP gRPC on', () => {
    const collector = readYaml<CollectorConfig>('collector', 'otel-collector.yaml');
    const tempoConfigPath = services.tempo!.command!.find((c) => c.startsWith('-config.file='))!.split('=')[1]!;
    expect(hostPathOf('tempo', tempoConfigPath)).toBe(repoPath('tempo', 'tempo.yaml'));
    const tempo = readYaml<{
      server: { http_listen_port: number };
      distributor: { receivers: { otlp: { protocols: { grpc: { endpoint: string } } } } };
    }>('tempo', 'tempo.yaml');
    const tempoGrpcPort = tempo.distributor.receivers.otlp.protocols.grpc.endpoint.split(':').pop();
    expect(collector.exporters['otlp_grpc/tempo']!.endpoint).toBe(`tempo:${tempoGrpcPort}`);
    expect(healthcheckText('tempo')).toContain(`:${tempo.server.http_listen_port}/ready`);
  });

  it('has Prometheus load prometheus/prometheus.yml and its rules, and scrape the Collector exporter', () => {
    const configPath = services.prometheus!.command!.find((c) => c.startsWith('--config.file='))!.split('=')[1]!;
    expect(hostPathOf('prometheus', configPath)).toBe(repoPath('prometheus', 'prometheus.yml'));
    const prom = readYaml<{
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; honor_labels?: boolean; static_configs: Array<{ targets: string[] }> }>;
    }>('prometheus', 'prometheus.yml');
    // rule_files are relative to the config file, inside the same mount.
    for (const pattern of prom.rule_files) {
      expect(hostPathOf('prometheus', posix.join(posix.dirname(configPath), dirname(pattern)))).toBe(
        repoPath('prometheus', dirname(pattern)),
      );
    }
    const collector = readYaml<CollectorConfig>('collector', 'otel-collector.yaml');
    const exporterPort = collector.exporters.prometheus!.endpoint.split(':').pop();
    const ragmeter = prom.scrape_configs.find((s) => s.job_name === 'ragmeter')!;
    expect(ragmeter.static_configs.flatMap((s) => s.targets)).toEqual([`otel-collector:${exporterPort}`]);
    expect(ragmeter.honor_labels).toBe(true);
    // One path only: no scrape job reads the demo's /metrics as well.
    const targets = prom.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets));
    expect(targets.filter((t) => t.startsWith('demo:'))).toEqual([]);
    for (const target of targets) {
      const host = target.split(':')[0]!;
      if (host !== 'localhost') expect(Object.keys(services)).toContain(host);
    }
    expect(prom.scrape_configs.map((s) => s.job_name)).toContain('prometheus');
  });

  it('provisions Grafana from grafana/ at the paths the provisioning files name', () => {
    expect(hostPathOf('grafana', '/etc/grafana/provisioning/datasources')).toBe(
      repoPath('grafana', 'provisioning', 'datasources'),
    );
    expect(hostPathOf('grafana', '/etc/grafana/provisioning/dashboards')).toBe(
      repoPath('grafana', 'provisioning', 'dashboards'),
    );
    const providers = readYaml<{ providers: Array<{ type: string; options: { path: string } }> }>(
      'grafana', 'provisioning', 'dashboards', 'ragmeter.yml',
    ).providers;
    expect(providers.length).toBeGreaterThan(0);
    for (const provider of providers) {
      expect(provider.type).toBe('file');
      expect(hostPathOf('grafana', provider.options.path)).toBe(repoPath('grafana', 'dashboards'));
    }
    const home = services.grafana!.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(existsSync(hostPathOf('grafana', home)!)).toBe(true);
  });

  it('provisions the datasources the dashboards expect, at the services compose starts', () => {
    const datasources = readYaml<{ datasources: Array<{ name: string; uid: string; type: string; url: string }> }>(
      'grafana', 'provisioning', 'datasources', 'ragmeter.yml',
    ).datasources;
    const prometheus = datasources.find((d) => d.type === 'prometheus')!;
    const tempo = datasources.find((d) => d.type === 'tempo')!;
    expect(prometheus.uid).toBe(PROVISIONED_PROMETHEUS_UID);
    expect(prometheus.url).toBe('http://prometheus:9090');
    expect(healthcheckText('prometheus')).toContain('127.0.0.1:9090/');
    expect(tempo.url).toBe('http://tempo:3200');
    for (const file of dashboardFileNames()) {
      const variable = loadDashboard(file).templating?.list?.find((v) => v.type === 'datasource');
      expect({ file, value: variable?.current?.value }).toEqual({ file, value: PROVISIONED_PROMETHEUS_UID });
    }
  });
});
