import protobuf from "protobufjs";

/**
 * google.rpc.Status with BadRequest and ErrorInfo details, encoded for the
 * `grpc-status-details-bin` trailer. The message definitions are the standard
 * googleapis ones (field numbers included), declared here so that clients
 * decode them with their usual googleapis types.
 */
const root = protobuf.Root.fromJSON(({
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: { fields: { type_url: { type: "string", id: 1 }, value: { type: "bytes", id: 2 } } },
            Duration: { fields: { seconds: { type: "int64", id: 1 }, nanos: { type: "int32", id: 2 } } },
          },
        },
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: "int32", id: 1 },
                message: { type: "string", id: 2 },
                details: { rule: "repeated", type: "google.protobuf.Any", id: 3 },
              },
            },
            BadRequest: {
              fields: { field_violations: { rule: "repeated", type: "FieldViolation", id: 1 } },
              nested: {
                FieldViolation: {
                  fields: { field: { type: "string", id: 1 }, description: { type: "string", id: 2 } },
                },
              },
            },
            RetryInfo: { fields: { retry_delay: { type: "google.protobuf.Duration", id: 1 } } },
            ErrorInfo: {
              fields: {
                reason: { type: "string", id: 1 },
                domain: { type: "string", id: 2 },
                metadata: { keyType: "string", type: "string", id: 3 },
              },
            },
          },
        },
      },
    },
  },
}) as protobuf.INamespace);

const Status = root.lookupType("google.rpc.Status");
const BadRequest = root.lookupType("google.rpc.BadRequest");
const ErrorInfo = root.lookupType("google.rpc.ErrorInfo");
const RetryInfo = root.lookupType("google.rpc.RetryInfo");

export const errorDomain = "ltst.memory.v1";

export type StatusDetail =
  | { kind: "badRequest"; fieldViolations: readonly { field: string; description: string }[] }
  | { kind: "errorInfo"; reason: string; metadata?: Record<string, string> }
  | { kind: "retryInfo"; retryAfterMs: number };

/** Encodes a google.rpc.Status with the given details. */
export function encodeRichStatus(code: number, message: string, details: readonly StatusDetail[]): Buffer {
  const any = details.map((detail) => {
    if (detail.kind === "badRequest") {
      return {
        type_url: "type.googleapis.com/google.rpc.BadRequest",
        value: BadRequest.encode(BadRequest.fromObject({ field_violations: detail.fieldViolations })).finish(),
      };
    }
    if (detail.kind === "retryInfo") {
      const ms = Math.max(0, Math.ceil(detail.retryAfterMs));
      return {
        type_url: "type.googleapis.com/google.rpc.RetryInfo",
        value: RetryInfo.encode(
          RetryInfo.fromObject({ retry_delay: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 } }),
        ).finish(),
      };
    }
    return {
      type_url: "type.googleapis.com/google.rpc.ErrorInfo",
      value: ErrorInfo.encode(
        ErrorInfo.fromObject({ reason: detail.reason, domain: errorDomain, metadata: detail.metadata ?? {} }),
      ).finish(),
    };
  });
  return Buffer.from(Status.encode(Status.fromObject({ code, message, details: any })).finish());
}

/** Decodes `grpc-status-details-bin` (used by tests and the TypeScript client). */
export function decodeRichStatus(buffer: Uint8Array): {
  code: number;
  message: string;
  badRequest?: { field: string; description: string }[];
  errorInfo?: { reason: string; domain: string; metadata: Record<string, string> };
  /** google.rpc.RetryInfo's retry_delay, in milliseconds. */
  retryAfterMs?: number;
} {
  const status = Status.toObject(Status.decode(buffer), { defaults: true }) as {
    code: number;
    message: string;
    details: { type_url: string; value: Uint8Array }[];
  };
  const result: ReturnType<typeof decodeRichStatus> = { code: status.code, message: status.message };
  for (const detail of status.details) {
    if (detail.type_url.endsWith("/google.rpc.BadRequest")) {
      const decoded = BadRequest.toObject(BadRequest.decode(detail.value), { defaults: true }) as {
        field_violations: { field: string; description: string }[];
      };
      result.badRequest = decoded.field_violations;
    } else if (detail.type_url.endsWith("/google.rpc.RetryInfo")) {
      const decoded = RetryInfo.toObject(RetryInfo.decode(detail.value), { defaults: true, longs: Number }) as {
        retry_delay?: { seconds: number; nanos: number };
      };
      result.retryAfterMs = (decoded.retry_delay?.seconds ?? 0) * 1000 + Math.round((decoded.retry_delay?.nanos ?? 0) / 1_000_000);
    } else if (detail.type_url.endsWith("/google.rpc.ErrorInfo")) {
      result.errorInfo = ErrorInfo.toObject(ErrorInfo.decode(detail.value), { defaults: true }) as {
        reason: string;
        domain: string;
        metadata: Record<string, string>;
      };
    }
  }
  return result;
}
