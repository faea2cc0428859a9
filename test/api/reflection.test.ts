import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import { expect, it } from "vitest";
import { serviceNames } from "../../src/server/createGrpcServer.js";
import { repositoryPath } from "../../src/paths.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

/**
 * Server reflection as grpcurl uses it (`list`, `describe`): every service is
 * listed, and asking for a symbol returns its file with every file it
 * imports, transitively, so well-known types (Timestamp, Struct, FieldMask,
 * Duration) resolve without proto files. Both reflection versions.
 */

type ReflectionResponse = {
  original_request: { file_containing_symbol?: string; list_services?: string };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  list_services_response?: { service: { name: string }[] };
  error_response?: { error_code: number; error_message: string };
};

type ReflectionClient = grpc.Client & {
  ServerReflectionInfo(): grpc.ClientDuplexStream<Record<string, string>, ReflectionResponse>;
};

const reflectionProto = (version: string) =>
  repositoryPath("node_modules", "@grpc", "reflection", "build", "proto", "grpc", "reflection", version, "reflection.proto");

const FileDescriptorProto = protobuf
  .loadSync(repositoryPath("node_modules", "protobufjs", "google", "protobuf", "descriptor.proto"))
  .lookupType("google.protobuf.FileDescriptorProto");

/** Sends each request on one reflection stream and returns the answers in order. */
async function reflect(address: string, version: "v1" | "v1alpha", requests: Record<string, string>[]): Promise<ReflectionResponse[]> {
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(reflectionProto(version), { keepCase: true })) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: new (address: string, credentials: grpc.ChannelCredentials) => ReflectionClient }> };
  };
  const client = new loaded.grpc.reflection[version]!.ServerReflection(address, grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) => {
      const responses: ReflectionResponse[] = [];
      const call = client.ServerReflectionInfo();
      call.on("data", (response: ReflectionResponse) => {
        responses.push(response);
        if (responses.length === requests.length) call.end();
      });
      call.on("error", reject);
      call.on("end", () => resolve(responses));
      for (const request of requests) call.write(request);
    });
  } finally {
    client.close();
  }
}

describeEachBackend(
  "server reflection",
  (service) => {
    const address = () => `127.0.0.1:${service().service.port}`;
    const symbols = [
      ...serviceNames,
      "grpc.health.v1.Health",
      "ltst.memory.v1.RehydrateRequest",
      "google.protobuf.Timestamp",
      "google.protobuf.Struct",
      "google.protobuf.FieldMask",
      "google.protobuf.Duration",
    ];

    for (const version of ["v1", "v1alpha"] as const) {
      it(`${version}: lists every service and health`, async () => {
        const [listed] = await reflect(address(), version, [{ list_services: "" }]);
        const names = listed!.list_services_response!.service.map((s) => s.name);
        expect(names).toEqual(expect.arrayContaining([...serviceNames, "grpc.health.v1.Health"]));
      });

      it(`${version}: a symbol's file comes with every file it imports, well-known types included`, async () => {
        const responses = await reflect(address(), version, symbols.map((symbol) => ({ file_containing_symbol: symbol })));
        expect(responses).toHaveLength(symbols.length);
        for (const response of responses) {
          const symbol = response.original_request.file_containing_symbol!;
          expect(response.error_response, symbol).toBeUndefined();
          const files = response.file_descriptor_response!.file_descriptor_proto.map(
            (bytes) => FileDescriptorProto.toObject(FileDescriptorProto.decode(bytes), { arrays: true }) as { name: string; package: string; dependency: string[] },
          );
          const names = new Set(files.map((file) => file.name));
          // The first file defines the symbol; every import is in the answer.
          expect(symbol.startsWith(`${files[0]!.package}.`), symbol).toBe(true);
          for (const file of files) for (const dependency of file.dependency) expect(names.has(dependency), `${symbol}: ${file.name} imports ${dependency}`).toBe(true);
        }
        const rehydrate = responses.find((r) => r.original_request.file_containing_symbol === "ltst.memory.v1.RehydrateRequest")!;
        const rehydrateFiles = rehydrate.file_descriptor_response!.file_descriptor_proto.map((bytes) => (FileDescriptorProto.decode(bytes) as unknown as { name: string }).name);
        expect(rehydrateFiles).toEqual(expect.arrayContaining(["ltst/memory/v1/rehydrate.proto", "google/protobuf/timestamp.proto", "google/protobuf/struct.proto", "google/protobuf/field_mask.proto", "google/protobuf/duration.proto"]));
      });
    }
  },
  { only: ["embedded"] },
);
