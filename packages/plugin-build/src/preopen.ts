/**
 * componentize-js runs its WIT splicer as a WASI component on preview2-shim, which since 0.25
 * starts with no preopened directories: it then cannot read the WIT file ("os error 44").
 * Preopening `/` in the same shim instance, before componentize-js loads, restores access.
 * This only ever runs at build time, never in the host that runs plugins.
 */
let done = false;

export async function loadComponentizer(): Promise<
  typeof import('@bytecodealliance/componentize-js')
> {
  if (!done) {
    const { _setPreopens } = (await import('@bytecodealliance/preview2-shim/filesystem')) as {
      _setPreopens(preopens: Record<string, string>): void;
    };
    _setPreopens({ '/': '/' });
    done = true;
  }
  return import('@bytecodealliance/componentize-js');
}
