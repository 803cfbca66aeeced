/**
 * The slice of the WebAssembly JS API the worker uses. TypeScript declares WebAssembly only in
 * lib.dom, and @types/node 20 does not; pulling in the DOM would type-check browser globals here.
 */
declare namespace WebAssembly {
  class Module {
    private readonly nominal: never;
    constructor(bytes: BufferSource);
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
  class Table {
    readonly length: number;
  }
  class Instance {
    readonly exports: Record<string, unknown>;
  }
  type Imports = Record<string, Record<string, unknown>>;
  function compile(bytes: BufferSource): Promise<Module>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
  function instantiate(
    bytes: BufferSource,
    imports?: Imports,
  ): Promise<{ module: Module; instance: Instance }>;
}
