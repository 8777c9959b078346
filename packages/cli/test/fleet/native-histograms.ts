// Serves series in Prometheus' protobuf exposition format with native (exponential) histograms,
// which a Prometheus started with --enable-feature=native-histograms stores as such. ragmeter's
// own /metrics is text (classic buckets); a fleet can still hold native histograms when they
// arrive another way (a Collector's remote write, Prometheus 3's conversions), and the fleet
// view must read them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

// The part of io.prometheus.client's metrics.proto that this needs (field numbers as upstream).
const PROTO = `
syntax = "proto2";
package io.prometheus.client;
message LabelPair { optional string name = 1; optional string value = 2; }
enum MetricType { COUNTER = 0; GAUGE = 1; SUMMARY = 2; UNTYPED = 3; HISTOGRAM = 4; GAUGE_HISTOGRAM = 5; }
message Gauge { optional double value = 1; }
message BucketSpan { optional sint32 offset = 1; optional uint32 length = 2; }
message Histogram {
  optional uint64 sample_count = 1;
  optional double sample_sum = 2;
  optional sint32 schema = 5;
  optional double zero_threshold = 6;
  optional uint64 zero_count = 7;
  repeated BucketSpan positive_span = 12;
  repeated sint64 positive_delta = 13;
}
message Metric { repeated LabelPair label = 1; optional Gauge gauge = 2; optional Histogram histogram = 7; }
message MetricFamily { optional string name = 1; optional string help = 2; optional MetricType type = 3; repeated Metric metric = 4; }
`;
const MetricFamily = protobuf.parse(PROTO).root.lookupType('io.prometheus.client.MetricFamily');

/** Native histogram resolution: bucket bounds grow by 2^(1/8) (about 9 %). */
export const SCHEMA = 3;
const BASE = 2 ** (2 ** -SCHEMA);

/** Index i of the native bucket (BASE^(i-1), BASE^i] holding v > 0. */
export function bucketIndex(v: number): number {
  return Math.ceil(Math.log2(v) * 2 ** SCHEMA - 1e-9);
}
/** The bounds of the native bucket holding v. */
export function nativeBucket(v: number): [number, number] {
  const i = bucketIndex(v);
  return [BASE ** (i - 1), BASE ** i];
}

/** One histogram of positive values: one span over every bucket from the lowest to the highest. */
function histogram(values: readonly number[]): Record<string, unknown> {
  const indexes = values.map(bucketIndex);
  const first = Math.min(...indexes);
  const counts = new Array<number>(Math.max(...indexes) - first + 1).fill(0);
  for (const i of indexes) counts[i - first]! += 1;
  return {
    sampleCount: values.length,
    sampleSum: values.reduce((a, b) => a + b, 0),
    schema: SCHEMA,
    zeroThreshold: 1e-128,
    zeroCount: 0,
    positiveSpan: [{ offset: first, length: counts.length }],
    positiveDelta: counts.map((c, k) => c - (k === 0 ? 0 : counts[k - 1]!)),
  };
}

export interface NativeSeries {
  labels: Record<string, string>;
  values: readonly number[];
}

/** An exposition endpoint: `rag_operation_duration_seconds` as native histograms, and rag_health_status. */
export async function serveNativeHistograms(series: readonly NativeSeries[]): Promise<{ target: string; server: Server }> {
  const families = [
    {
      name: 'rag_operation_duration_seconds',
      help: 'Duration of RAG operations',
      type: 4,
      metric: series.map((s) => ({
        label: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
        histogram: histogram(s.values),
      })),
    },
    { name: 'rag_health_status', help: 'Health', type: 1, metric: [{ label: [], gauge: { value: 1 } }] },
  ];
  const body = Buffer.concat(families.map((f) => Buffer.from(MetricFamily.encodeDelimited(MetricFamily.fromObject(f)).finish())));
  const server = createServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited' })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { target: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
