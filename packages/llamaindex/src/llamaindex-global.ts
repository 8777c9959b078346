/**
 * The application's `@llamaindex/core/global` module: where `Settings` and LlamaIndex's
 * `getEventCaller()` live.
 *
 * `@llamaindex/core` ships a CommonJS and an ES-module build, each with its own `Settings` (and
 * its own callback manager); this package is CommonJS. A CommonJS copy already loaded is the
 * application's; else an application started as an ES module gets the ES-module copy (Node's
 * require() of an ES module returns the instance its `import` has), and the CommonJS copy
 * otherwise. Loading the copy the application does not use would also make LlamaIndex warn
 * that it was imported twice, so only one is ever loaded.
 */
export interface LlamaIndexGlobal {
  Settings?: { callbackManager?: unknown };
  getEventCaller?: () => unknown;
}

let resolved: LlamaIndexGlobal | undefined;

/**
 * The module, or undefined when `@llamaindex/core` cannot be loaded; `required` turns that into
 * a clear error (set-up time).
 */
export function llamaIndexGlobal(required = false): LlamaIndexGlobal | undefined {
  if (resolved !== undefined) return resolved;
  // The module's own require (not createRequire): under a module registry such as jest's it
  // is the registry's, with its cache.
  const load: NodeJS.Require = require;
  let path: string;
  try {
    path = load.resolve('@llamaindex/core/global');
  } catch {
    if (required) throw new TypeError('ragmeter: instrumentLlamaIndex() needs @llamaindex/core installed, or a callbackManager option');
    return undefined;
  }
  const esm = path.replace(/\.cjs$/, '.js');
  if (load.cache[path] === undefined && require.main === undefined && esm !== path) {
    try {
      resolved = load(esm) as LlamaIndexGlobal;
      return resolved;
    } catch {
      // A Node without require() of ES modules: the CommonJS copy, which an ES-module
      // application does not use. Say so once, with the way out.
      process.emitWarning(
        'instrumentLlamaIndex() cannot reach the ES-module copy of @llamaindex/core from this Node.js version; pass { callbackManager: Settings.callbackManager }',
        { type: 'RagMeterWarning', code: 'RAGMETER_LLAMAINDEX_ESM' },
      );
    }
  }
  try {
    resolved = load(path) as LlamaIndexGlobal;
  } catch (error) {
    if (required) throw error;
  }
  return resolved;
}

/** LlamaIndex's EventCaller of the running call, if any. */
export function currentEventCaller(): unknown {
  try {
    return llamaIndexGlobal()?.getEventCaller?.() ?? undefined;
  } catch {
    return undefined;
  }
}
