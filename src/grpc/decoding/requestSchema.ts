import { readFileSync } from "node:fs";
import { createFileRegistry, fromBinary, type DescMessage, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { repositoryPath } from "../../paths.js";

let registry: FileRegistry | undefined;

/**
 * The descriptor of a method's request message ("/pkg.Service/Method"), from
 * the descriptor set `buf build` writes (gen/ltst_memory.binpb, the one
 * reflection serves). Loaded on first use: only a request that failed to
 * decode needs it.
 */
export function requestSchema(path: string): DescMessage | undefined {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(repositoryPath("gen", "ltst_memory.binpb"))));
  const [, serviceName = "", methodName = ""] = path.split("/");
  return registry.getService(serviceName)?.methods.find((m) => m.name === methodName)?.input;
}
