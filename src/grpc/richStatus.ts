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
        protobuf: { nested: { Any: { fields: { type_url: { type: "string", id: 1 }, value: { type: "bytes", id: 2 } } } } },
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

export const errorDomain = "ltst.memory.v1";

export type StatusDetail =
  | { kind: "badRequest"; fieldViolations: readonly { field: string; description: string }[] }
  | { kind: "errorInfo"; reason: string; metadata?: Record<string, string> };

/** Encodes a google.rpc.Status with the given details. */
export function encodeRichStatus(code: number, message: string, details: readonly StatusDetail[]): Buffer {
  const any = details.map((detail) => {
    if (detail.kind === "badRequest") {
      return {
        type_url: "type.googleapis.com/google.rpc.BadRequest",
        value: BadRequest.encode(BadRequest.fromObject({ field_violations: detail.fieldViolations })).finish(),
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
