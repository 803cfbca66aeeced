/**
 * jco's tools (componentize-js's WIT splicer, jco-transpile's type generator) run as WASI
 * components on preview2-shim, which since 0.25 starts with no preopened directories: they then
 * cannot read the WIT file ("os error 44"). Preopening `/` in the same shim instance, before the
 * tool loads, restores access. This only ever runs at build time, never in the host that runs
 * plugins.
 */
let done = false;

export async function preopenRoot(): Promise<void> {
  if (done) return;
  const { _setPreopens } = (await import('@bytecodealliance/preview2-shim/filesystem')) as {
    _setPreopens(preopens: Record<string, string>): void;
  };
  _setPreopens({ '/': '/' });
  done = true;
}

export async function loadComponentizer(): Promise<
  typeof import('@bytecodealliance/componentize-js')
> {
  await preopenRoot();
  return import('@bytecodealliance/componentize-js');
}
