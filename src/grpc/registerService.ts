import type { Server, ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";
import type { Access } from "../auth/Principal.js";
import type { Pipeline } from "./handlers.js";
import { withStrictDecoding } from "./decoding/withStrictDecoding.js";

/** What each method of a generated service definition needs; the compiler checks that every method is listed. */
export type AccessTable<D> = { readonly [K in keyof D]: Access };

/**
 * Registers one service: its methods, named by the generated definition
 * (paths, streaming), become known to the pipeline with their access, and
 * the service is added with strict request decoding (withStrictDecoding:
 * invalid UTF-8 or out-of-range values are refused, never altered, and a
 * request that fails to decode becomes INVALID_ARGUMENT naming the field).
 */
export function registerService<D extends ServiceDefinition>(
  server: Server,
  pipeline: Pipeline,
  definition: D,
  implementation: UntypedServiceImplementation,
  access: AccessTable<D>,
): void {
  for (const key of Object.keys(definition) as (keyof D & string)[]) {
    const method = definition[key]!;
    const [, service = "", name = ""] = method.path.split("/");
    pipeline.methods.set(method.path, {
      path: method.path,
      service,
      name,
      access: access[key],
      serverStreaming: method.responseStream,
    });
  }
  server.addService(withStrictDecoding(definition), implementation);
}
