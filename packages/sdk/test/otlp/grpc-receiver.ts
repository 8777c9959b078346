import {
  Server,
  ServerCredentials,
  status,
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { GRPC_EXPORT_PATH, decodeProtobuf, responseType, type Signal } from './otlp-schema';
import { Recording, type Behaviour } from './receiver';

const identity = (b: Buffer): Buffer => b;

/** A collector service with one unary Export method; bodies stay raw until the handler decodes them. */
function exportService(signal: Signal): ServiceDefinition {
  const response = responseType(signal);
  return {
    Export: {
      path: GRPC_EXPORT_PATH[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: (value: object) => Buffer.from(response.encode(response.create(value)).finish()),
      responseDeserialize: identity,
    },
  };
}

function metadataMap(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata.getMap())) out[k] = typeof v === 'string' ? v : v.toString('base64');
  return out;
}

/** A local OTLP/gRPC receiver (TraceService and MetricsService Export) on 127.0.0.1 and a free port. */
export class OtlpGrpcReceiver extends Recording {
  behaviour: Behaviour;
  /** e.g. http://127.0.0.1:40123 — what `otlp.endpoint` takes with protocol grpc. */
  readonly url: string;
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(server: Server, url: string, behaviour: Behaviour) {
    super();
    this.server = server;
    this.url = url;
    this.behaviour = behaviour;
  }

  static async start(behaviour: Behaviour = { kind: 'ok' }): Promise<OtlpGrpcReceiver> {
    const server = new Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
    );
    const receiver = new OtlpGrpcReceiver(server, `http://127.0.0.1:${port}`, behaviour);
    for (const signal of ['traces', 'metrics'] as const) {
      server.addService(exportService(signal), {
        Export: (call: ServerUnaryCall<Buffer, object>, callback: sendUnaryData<object>) => receiver.handle(signal, call, callback),
      });
    }
    return receiver;
  }

  private handle(signal: Signal, call: ServerUnaryCall<Buffer, object>, callback: sendUnaryData<object>): void {
    const received = this.record(signal, 'application/grpc', metadataMap(call.metadata), () => decodeProtobuf(signal, call.request));
    if (received.error !== undefined) {
      callback({ code: status.INVALID_ARGUMENT, details: received.error });
      return;
    }
    const b = this.behaviour;
    switch (b.kind) {
      case 'ok':
        return callback(null, {});
      case 'error':
        return callback({ code: b.status === 503 ? status.UNAVAILABLE : status.INTERNAL, details: `test receiver: ${b.status}` });
      case 'hang':
        return; // the call stays open until its deadline or close()
      case 'slow': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          callback(null, {});
        }, b.delayMs);
        this.timers.add(timer);
        return;
      }
    }
  }

  /** Stops the server, cancelling calls still open. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.forceShutdown();
  }
}
