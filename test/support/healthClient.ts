import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath } from "grpc-health-check";

/** A client of the standard grpc.health.v1.Health service (from grpc-health-check's proto). */
const definition = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { enums: String })) as unknown as {
  grpc: { health: { v1: { Health: new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => HealthClientInstance } } };
};

type HealthResponse = { status: string };

type HealthClientInstance = grpc.Client & {
  check(
    request: { service: string },
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: (error: grpc.ServiceError | null, response: HealthResponse) => void,
  ): grpc.ClientUnaryCall;
  watch(request: { service: string }, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<HealthResponse>;
};

export const HealthClient = definition.grpc.health.v1.Health;

/** An open Health.Watch stream: statuses are read one at a time, in order. */
export type HealthWatch = {
  /** The next status the server sends; rejects after `timeoutMs` or when the stream ends or fails. */
  next(timeoutMs?: number): Promise<string>;
  /** Cancels the stream (the server then sees the call end). */
  cancel(): void;
};

/** Opens Health.Watch for `service` ("" for the whole server). */
export function watchHealth(client: HealthClientInstance, service: string): HealthWatch {
  const call = client.watch({ service });
  const received: string[] = [];
  const waiters: { resolve: (status: string) => void; reject: (error: Error) => void }[] = [];
  let ended: Error | undefined;
  call.on("data", (response: HealthResponse) => {
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(response.status);
    else received.push(response.status);
  });
  const end = (error: Error) => {
    ended ??= error;
    for (const waiter of waiters.splice(0)) waiter.reject(ended);
  };
  call.on("error", (error: Error) => end(error));
  call.on("end", () => end(new Error("the health watch stream ended")));
  return {
    next(timeoutMs = 10_000) {
      const status = received.shift();
      if (status !== undefined) return Promise.resolve(status);
      if (ended) return Promise.reject(ended);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no health status received within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = {
          resolve: (value: string) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (error: Error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        waiters.push(waiter);
      });
    },
    cancel: () => call.cancel(),
  };
}

/** Health.Check of `service` ("" for the whole server): resolves with the status ("SERVING", ...). */
export function checkHealth(client: HealthClientInstance, service = ""): Promise<HealthResponse> {
  return new Promise((resolve, reject) => {
    client.check({ service }, new grpc.Metadata(), {}, (error, response) => (error ? reject(error) : resolve(response)));
  });
}
