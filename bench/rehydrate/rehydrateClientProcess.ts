/**
 * The Rehydrate benchmark's gRPC client, in a process of its own (as a
 * gateway would be): the parent sends {address, request} over IPC, this
 * process makes the call and replies with the times to the first response
 * and to the end of the stream, measured here, so the IPC is not counted.
 */
import * as grpc from "@grpc/grpc-js";
import { RehydrateRequest, RehydrateServiceClient, type RehydrateResponse } from "../../gen/ts/ltst/memory/v1/rehydrate.js";

export type ClientCall = { address: string; request: RehydrateRequest };
export type ClientTiming = { firstMs: number; lastMs: number; responses: number; error?: string };

const clients = new Map<string, RehydrateServiceClient>();

function rehydrate(call: ClientCall): Promise<ClientTiming> {
  let client = clients.get(call.address);
  if (!client) {
    client = new RehydrateServiceClient(call.address, grpc.credentials.createInsecure());
    clients.set(call.address, client);
  }
  return new Promise((resolve) => {
    const started = performance.now();
    let firstMs = -1;
    let responses = 0;
    const stream = client.rehydrate(RehydrateRequest.fromPartial(call.request), new grpc.Metadata(), { deadline: Date.now() + 30_000 });
    stream.on("data", (_response: RehydrateResponse) => {
      if (firstMs < 0) firstMs = performance.now() - started;
      responses += 1;
    });
    stream.on("error", (error: Error) => resolve({ firstMs, lastMs: performance.now() - started, responses, error: error.message }));
    stream.on("end", () => resolve({ firstMs, lastMs: performance.now() - started, responses }));
  });
}

process.on("message", (message: ClientCall | "exit") => {
  if (message === "exit") {
    for (const client of clients.values()) client.close();
    process.disconnect();
    return;
  }
  void rehydrate(message).then((timing) => process.send!(timing));
});
