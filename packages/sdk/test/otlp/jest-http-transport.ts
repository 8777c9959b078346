import * as http from 'node:http';
import * as https from 'node:https';
import { dirname, join } from 'node:path';

/**
 * Jest runs a test file in a vm context, and without --experimental-vm-modules a native
 * `import()` there throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG. The OTLP/HTTP transport
 * of @opentelemetry/otlp-exporter-base loads node:http / node:https with `import()` on its first
 * export, so under jest every http/protobuf and http/json export fails before a byte is sent.
 *
 * This makes the transport take the same modules through require() and build the agent its
 * defaults would (keepAlive). Everything else — serialisation, headers, timeouts, retries — is
 * the official exporters' code. Real Node needs none of this: node-process.test.ts runs the
 * unpatched path in a child process.
 */
export function loadOtlpHttpTransportWithRequire(): void {
  const base = dirname(require.resolve('@opentelemetry/otlp-exporter-base'));
  // An absolute path, because the package's "exports" map does not expose the transport.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const transport = require(join(base, 'transport', 'http-exporter-transport.js')) as {
    createHttpExporterTransport(parameters: unknown): object;
  };
  const proto = Object.getPrototypeOf(transport.createHttpExporterTransport({})) as Record<string, unknown>;
  if (typeof proto._loadUtils !== 'function') {
    throw new Error('otlp-exporter-base changed: HttpExporterTransport._loadUtils is gone; revisit this shim');
  }
  type Transport = { _utils: unknown; _parameters: { url: string } };
  proto._loadUtils = async function (this: Transport) {
    if (this._utils === null) {
      const mod = new URL(this._parameters.url).protocol === 'http:' ? http : https;
      this._utils = { agent: new mod.Agent({ keepAlive: true }), request: mod.request };
    }
    return this._utils;
  };
}
