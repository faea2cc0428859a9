"""Bad input from a Python client: the server answers with an error and goes on serving.

Usage: python3 bad_input.py HOST:PORT MAX_MESSAGE_BYTES   (gen/python/src on PYTHONPATH)

MAX_MESSAGE_BYTES is the server's LTST_MAX_MESSAGE_BYTES. Raw bytes are sent
through generic channel methods (no generated serializer), as a buggy client
or one built from another message type would send them. After each bad call
a valid call must succeed, on the same channel and on a new one.

Environment: as scenario.py (LTST_INTEROP_CA_FILE, LTST_INTEROP_API_KEY,
LTST_INTEROP_READER_KEY). With the keys set, a raw write without a key is
UNAUTHENTICATED and one with the reader key PERMISSION_DENIED.
"""

import sys
import uuid

import grpc

from ltst.memory.v1 import message_pb2, message_pb2_grpc, search_pb2, session_pb2, session_pb2_grpc

from support import Steps, api_key, check, check_authentication, connect, failure

GET_SESSION = "/ltst.memory.v1.SessionService/GetSession"
CREATE_SESSION = "/ltst.memory.v1.SessionService/CreateSession"
APPEND = "/ltst.memory.v1.MessageService/AppendMessages"
SEARCH = "/ltst.memory.v1.SearchService/Search"


def main(address, max_message_bytes):
    channel = connect(address)
    sessions = session_pb2_grpc.SessionServiceStub(channel)
    messages = message_pb2_grpc.MessageServiceStub(channel)
    run = uuid.uuid4().hex[:12]
    user = f"py-bad-{run}"
    session_id = f"py-bad-session-{run}"
    steps = Steps("python-bad-input")

    def raw_unary(path, payload):
        return channel.unary_unary(path, request_serializer=None, response_deserializer=None)(payload, timeout=30)

    def raw_stream(path, payload):
        return list(channel.unary_stream(path, request_serializer=None, response_deserializer=None)(payload, timeout=30))

    def message_count():
        return sessions.GetSession(session_pb2.GetSessionRequest(user_id=user, session_id=session_id), timeout=30).session.message_count

    def still_serving(expected_count):
        check(message_count() == expected_count, "nothing was stored by the bad call, and the same channel still works")
        fresh = connect(address)
        try:
            got = session_pb2_grpc.SessionServiceStub(fresh).GetSession(session_pb2.GetSessionRequest(user_id=user, session_id=session_id), timeout=30)
            check(got.session.id == session_id, "a new channel works too")
        finally:
            fresh.close()

    def set_up():
        sessions.CreateSession(session_pb2.CreateSessionRequest(user_id=user, session_id=session_id), timeout=30)
        messages.AppendMessages(
            message_pb2.AppendMessagesRequest(
                user_id=user, session_id=session_id, messages=[message_pb2.NewMessage(role=message_pb2.ROLE_USER, content="kept")]
            ),
            timeout=30,
        )
        check(message_count() == 1, "one message to start with")

    def field(number, payload):
        """A length-delimited protobuf field (payload shorter than 128 bytes)."""
        check(len(payload) < 128, "short payload")
        return bytes([number << 3 | 2, len(payload)]) + payload

    def malformed(path, payload, field_name, stream=False):
        def step():
            got = failure(lambda: (raw_stream if stream else raw_unary)(path, payload))
            check(
                got.code == grpc.StatusCode.INVALID_ARGUMENT and got.fields == [field_name],
                f"malformed request: INVALID_ARGUMENT naming {field_name}, got {got}",
            )
            still_serving(1)

        return step

    invalid_utf8 = b"a\xff\xfeb"
    steps.run("set up a session with one message", set_up)
    steps.run("bytes that are no protobuf", malformed(GET_SESSION, b"\xff\xff\xff\xff", "request"))
    steps.run("a truncated field", malformed(GET_SESSION, b"\x0a\x10ab", "request"))
    steps.run("a field with an invalid wire type", malformed(GET_SESSION, b"\x0f\x00", "request"))
    steps.run(
        "invalid UTF-8 in a string field",
        malformed(CREATE_SESSION, field(1, user.encode()) + field(2, f"py-utf8-{run}".encode()) + field(3, invalid_utf8), "name"),
    )
    steps.run(
        "invalid UTF-8 in a message's content (nested)",
        malformed(APPEND, field(1, user.encode()) + field(2, session_id.encode()) + field(3, b"\x08\x01" + field(3, invalid_utf8)), "messages[0].content"),
    )
    steps.run("invalid UTF-8 in a streaming request (Search)", malformed(SEARCH, field(1, user.encode()) + field(2, invalid_utf8), "query", stream=True))

    def wrong_type():
        # An AppendMessagesRequest sent to CreateSession: decoded by field
        # numbers, its messages (field 3) become the name (field 3), which has
        # control characters: INVALID_ARGUMENT naming the field, nothing created.
        payload = message_pb2.AppendMessagesRequest(
            user_id=user, session_id=f"py-wrong-{run}", messages=[message_pb2.NewMessage(role=message_pb2.ROLE_USER, content="hi")]
        ).SerializeToString()
        got = failure(lambda: raw_unary(CREATE_SESSION, payload))
        check(got.code == grpc.StatusCode.INVALID_ARGUMENT and got.fields == ["name"], f"INVALID_ARGUMENT naming name, got {got}")
        absent = failure(lambda: sessions.GetSession(session_pb2.GetSessionRequest(user_id=user, session_id=f"py-wrong-{run}"), timeout=30))
        check(absent.code == grpc.StatusCode.NOT_FOUND, "no session was created")
        # A SearchRequest serialised into a unary method that expects a GetSessionRequest:
        # user_id and query land in user_id and session_id; the rest is skipped.
        search = search_pb2.SearchRequest(user_id=user, query="no such session", mode=search_pb2.SEARCH_MODE_LEXICAL, top_k=3)
        got = failure(lambda: raw_unary(GET_SESSION, search.SerializeToString()))
        check(got.code == grpc.StatusCode.INVALID_ARGUMENT and got.fields == ["session_id"], f"the query is no session id: {got}")
        still_serving(1)

    steps.run("a message of another type", wrong_type)

    def unauthenticated_raw():
        # A well-formed write through the generic channel methods, as above: the
        # key rides on those calls too, and without it (or with a reader key)
        # nothing is stored. (Malformed bytes without a key are UNAUTHENTICATED
        # too: the pipeline refuses an undecodable request only after
        # authentication.)
        payload = message_pb2.AppendMessagesRequest(
            user_id=user, session_id=session_id, messages=[message_pb2.NewMessage(role=message_pb2.ROLE_USER, content="no key")]
        ).SerializeToString()
        check_authentication(address, lambda channel: channel.unary_unary(APPEND, request_serializer=None, response_deserializer=None)(payload, timeout=30))
        still_serving(1)

    if api_key() is not None:
        steps.run("authentication: raw bytes without a key are UNAUTHENTICATED, with a reader key PERMISSION_DENIED", unauthenticated_raw)
    else:
        print("[python-bad-input] skip authentication: LTST_INTEROP_API_KEY is not set (the server runs open)", flush=True)

    def too_large():
        content = "x" * 60_000
        count = max_message_bytes // len(content) + 1
        request = message_pb2.AppendMessagesRequest(
            user_id=user, session_id=session_id, messages=[message_pb2.NewMessage(role=message_pb2.ROLE_USER, content=content)] * count
        )
        size = request.ByteSize()
        check(size > max_message_bytes, f"request of {size} bytes, over {max_message_bytes}")
        got = failure(lambda: messages.AppendMessages(request, timeout=30))
        check(got.code == grpc.StatusCode.RESOURCE_EXHAUSTED, f"over LTST_MAX_MESSAGE_BYTES: RESOURCE_EXHAUSTED, got {got}")
        still_serving(1)
        # Just under the limit (and under the content limits) is accepted.
        fits = message_pb2.AppendMessagesRequest(
            user_id=user, session_id=session_id, messages=[message_pb2.NewMessage(role=message_pb2.ROLE_USER, content="y" * 1000)]
        )
        check(len(messages.AppendMessages(fits, timeout=30).messages) == 1, "a request under the limit is stored")
        check(message_count() == 2, "and only that one")

    steps.run("a request larger than LTST_MAX_MESSAGE_BYTES", too_large)
    channel.close()
    return steps.finish()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
