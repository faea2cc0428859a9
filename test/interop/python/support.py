"""Shared pieces of the Python interop programs: steps, status details, streams.

The programs use only grpcio, protobuf and the generated package
(`ltst.memory.v1`, from gen/python/src on PYTHONPATH), as a user's program
would.
"""

import os
import sys
import time
import traceback

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool

try:  # protobuf >= 4.22
    from google.protobuf.message_factory import GetMessageClass as _message_class
except ImportError:  # protobuf 4.21 (Debian bookworm)
    from google.protobuf import message_factory as _message_factory

    _factory = _message_factory.MessageFactory()

    def _message_class(descriptor):
        return _factory.GetPrototype(descriptor)


def _rpc_status_classes():
    """google.rpc.Status, BadRequest and ErrorInfo (googleapis' field numbers),
    built here because Debian has no Python googleapis-common-protos."""
    pool = descriptor_pool.DescriptorPool()
    any_file = descriptor_pb2.FileDescriptorProto()
    from google.protobuf import any_pb2

    any_pb2.DESCRIPTOR.CopyToProto(any_file)
    pool.Add(any_file)
    f = descriptor_pb2.FileDescriptorProto(
        name="interop/google_rpc.proto", package="google.rpc", syntax="proto3", dependency=["google/protobuf/any.proto"]
    )
    L = descriptor_pb2.FieldDescriptorProto
    status = f.message_type.add(name="Status")
    status.field.add(name="code", number=1, type=L.TYPE_INT32, label=L.LABEL_OPTIONAL)
    status.field.add(name="message", number=2, type=L.TYPE_STRING, label=L.LABEL_OPTIONAL)
    status.field.add(name="details", number=3, type=L.TYPE_MESSAGE, label=L.LABEL_REPEATED, type_name=".google.protobuf.Any")
    bad = f.message_type.add(name="BadRequest")
    violation = bad.nested_type.add(name="FieldViolation")
    violation.field.add(name="field", number=1, type=L.TYPE_STRING, label=L.LABEL_OPTIONAL)
    violation.field.add(name="description", number=2, type=L.TYPE_STRING, label=L.LABEL_OPTIONAL)
    bad.field.add(
        name="field_violations", number=1, type=L.TYPE_MESSAGE, label=L.LABEL_REPEATED, type_name=".google.rpc.BadRequest.FieldViolation"
    )
    info = f.message_type.add(name="ErrorInfo")
    info.field.add(name="reason", number=1, type=L.TYPE_STRING, label=L.LABEL_OPTIONAL)
    info.field.add(name="domain", number=2, type=L.TYPE_STRING, label=L.LABEL_OPTIONAL)
    pool.Add(f)
    find = pool.FindMessageTypeByName
    return _message_class(find("google.rpc.Status")), _message_class(find("google.rpc.BadRequest")), _message_class(find("google.rpc.ErrorInfo"))


RpcStatus, BadRequest, ErrorInfo = _rpc_status_classes()


class CallFailure:
    """A failed call: code, message, and the decoded grpc-status-details-bin."""

    def __init__(self, error):
        self.code = error.code()
        self.details = error.details() or ""
        self.fields = []
        self.reason = None
        for key, value in error.trailing_metadata() or ():
            if key != "grpc-status-details-bin":
                continue
            status = RpcStatus.FromString(value)
            for detail in status.details:
                if detail.type_url.endswith("/google.rpc.BadRequest"):
                    self.fields = [v.field for v in BadRequest.FromString(detail.value).field_violations]
                elif detail.type_url.endswith("/google.rpc.ErrorInfo"):
                    self.reason = ErrorInfo.FromString(detail.value).reason

    def __repr__(self):
        return f"{self.code.name} {self.details!r} fields={self.fields} reason={self.reason}"


def failure(call):
    """Runs `call` (a callable) and returns its CallFailure; raises if it succeeds."""
    try:
        result = call()
        if hasattr(result, "__iter__") and not hasattr(result, "ListFields"):
            list(result)  # a server stream fails when read
    except grpc.RpcError as error:
        return CallFailure(error)
    raise AssertionError("expected the call to fail, but it succeeded")


def expect_invalid_argument(call, *fields):
    """INVALID_ARGUMENT whose google.rpc.BadRequest names exactly `fields`, also named in the message."""
    got = failure(call)
    check(got.code == grpc.StatusCode.INVALID_ARGUMENT, f"expected INVALID_ARGUMENT, got {got}")
    check(got.fields == list(fields), f"expected BadRequest fields {list(fields)}, got {got}")
    for field in fields:
        check(field in got.details, f"the message should name {field}: {got}")
    return got


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def api_key():
    """The writer key the programs call with (LTST_INTEROP_API_KEY), or None on a server that runs open."""
    return os.environ.get("LTST_INTEROP_API_KEY") or None


def reader_key():
    """A reader key of the same tenant (LTST_INTEROP_READER_KEY): its writes must be refused."""
    return os.environ.get("LTST_INTEROP_READER_KEY") or None


def channel_credentials(key):
    """The channel's credentials: TLS against the CA in LTST_INTEROP_CA_FILE when it
    is set, else plaintext (loopback only); the API key, if any, rides on every call
    as `authorization: Bearer <key>`.

    Call credentials (metadata_call_credentials) are only sent over a secure
    channel; on plaintext loopback, grpc's local credentials count as one, so
    the key goes with them and never over plaintext to another host."""
    ca_file = os.environ.get("LTST_INTEROP_CA_FILE")
    if ca_file:
        with open(ca_file, "rb") as f:
            transport = grpc.ssl_channel_credentials(root_certificates=f.read())
    else:
        transport = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
    if key is None:
        return transport
    return grpc.composite_channel_credentials(transport, grpc.metadata_call_credentials(BearerKey(key)))


class BearerKey(grpc.AuthMetadataPlugin):
    """Adds `authorization: Bearer <key>` to every call of the channel."""

    def __init__(self, key):
        self._metadata = (("authorization", f"Bearer {key}"),)

    def __call__(self, context, callback):
        callback(self._metadata, None)


def connect(address, key="from-env"):
    """A ready channel to `address`, with TLS and the API key from the environment
    (see channel_credentials); `key=None` connects without any key."""
    channel = grpc.secure_channel(address, channel_credentials(api_key() if key == "from-env" else key))
    grpc.channel_ready_future(channel).result(timeout=30)
    return channel


def refused(address, key, call):
    """`call(channel)` on a new channel with `key` (None: no key); returns its CallFailure."""
    channel = connect(address, key)
    try:
        return failure(lambda: call(channel))
    finally:
        channel.close()


def check_authentication(address, write):
    """Without a key `write(channel)` is UNAUTHENTICATED (MISSING_CREDENTIALS);
    with a reader key PERMISSION_DENIED (ROLE_NOT_ALLOWED)."""
    reader = reader_key()
    check(api_key() is not None and reader is not None, "LTST_INTEROP_API_KEY and LTST_INTEROP_READER_KEY must be set")
    got = refused(address, None, write)
    check(got.code == grpc.StatusCode.UNAUTHENTICATED and got.reason == "MISSING_CREDENTIALS", f"a write without a key: {got}")
    got = refused(address, reader, write)
    check(got.code == grpc.StatusCode.PERMISSION_DENIED and got.reason == "ROLE_NOT_ALLOWED", f"a write with a reader key: {got}")


class Steps:
    """Runs named steps in order; a failing step is reported and the rest still run."""

    def __init__(self, program):
        self.program = program
        self.passed = []
        self.failed = []

    def run(self, name, fn):
        started = time.monotonic()
        try:
            fn()
        except Exception:  # noqa: BLE001 - report every failure, go on
            self.failed.append(name)
            print(f"[{self.program}] FAIL {name}", flush=True)
            traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
        else:
            self.passed.append(name)
            print(f"[{self.program}] ok   {name} ({(time.monotonic() - started) * 1000:.0f} ms)", flush=True)

    def finish(self):
        print(f"[{self.program}] {len(self.passed)} passed, {len(self.failed)} failed", flush=True)
        if self.failed:
            print(f"[{self.program}] failed steps: {', '.join(self.failed)}", flush=True)
        return 1 if self.failed else 0
