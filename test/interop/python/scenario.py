"""A full LTST Memory scenario through the generated Python stubs.

Usage: python3 scenario.py HOST:PORT   (gen/python/src on PYTHONPATH)

Environment: LTST_INTEROP_CA_FILE (the CA of the server's TLS certificate;
unset: plaintext, loopback only), LTST_INTEROP_API_KEY (a writer key, sent on
every call) and LTST_INTEROP_READER_KEY (a reader key of the same tenant).
With the keys set, a write without a key must be UNAUTHENTICATED and one with
the reader key PERMISSION_DENIED.

Creates a session, appends from several threads at once, lists, searches,
writes a summary, preference and context entry, rehydrates under token
budgets, and checks isolation and error details. Every step runs even when an
earlier one failed; the exit code is 1 when any failed. The server must run
without the embedding model, or with it: both are accepted where they differ.
"""

import hashlib
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
from google.protobuf import struct_pb2

from ltst.memory.v1 import (
    context_pb2,
    context_pb2_grpc,
    message_pb2,
    message_pb2_grpc,
    preference_pb2,
    preference_pb2_grpc,
    rehydrate_pb2,
    rehydrate_pb2_grpc,
    search_pb2,
    search_pb2_grpc,
    session_pb2,
    session_pb2_grpc,
    summary_pb2,
    summary_pb2_grpc,
)

from support import Steps, api_key, check, check_authentication, connect, expect_invalid_argument, failure

THREADS = 8
APPENDS_PER_THREAD = 4
ROLE_NAMES = {message_pb2.ROLE_USER: "user", message_pb2.ROLE_ASSISTANT: "assistant", message_pb2.ROLE_SYSTEM: "system", message_pb2.ROLE_TOOL: "tool"}


def main(address):
    channel = connect(address)
    sessions = session_pb2_grpc.SessionServiceStub(channel)
    messages = message_pb2_grpc.MessageServiceStub(channel)
    search = search_pb2_grpc.SearchServiceStub(channel)
    summaries = summary_pb2_grpc.SummaryServiceStub(channel)
    preferences = preference_pb2_grpc.PreferenceServiceStub(channel)
    contexts = context_pb2_grpc.ContextServiceStub(channel)
    rehydrate = rehydrate_pb2_grpc.RehydrateServiceStub(channel)

    run = uuid.uuid4().hex[:12]
    user = f"py-alice-{run}"
    other = f"py-bob-{run}"
    session_id = f"py-session-{run}"
    missing_id = f"py-missing-{run}"
    state = {"stored": []}  # every Message stored, by the end in index order
    steps = Steps("python-scenario")

    def all_messages():
        listed, token = [], ""
        while True:
            page = messages.ListMessages(
                message_pb2.ListMessagesRequest(user_id=user, session_id=session_id, page_size=7, page_token=token), timeout=30
            )
            listed.extend(page.messages)
            token = page.next_page_token
            if not token:
                return listed

    def create_session():
        metadata = struct_pb2.Struct()
        metadata.update({"client": "python", "run": run})
        request = session_pb2.CreateSessionRequest(user_id=user, session_id=session_id, name="Python interop", type="chat", metadata=metadata)
        first = sessions.CreateSession(request, timeout=30)
        check(first.created, "the first CreateSession creates")
        check(first.session.id == session_id and first.session.user_id == user, f"stored as asked: {first.session}")
        check(first.session.status == session_pb2.SESSION_STATUS_ACTIVE, "UNSPECIFIED status means ACTIVE")
        check(dict(first.session.metadata) == {"client": "python", "run": run}, f"metadata round-trips: {first.session.metadata}")
        again = sessions.CreateSession(request, timeout=30)
        check(not again.created and again.session.id == session_id, "the same user's retry is idempotent")

    def append_first():
        # Index 0, before the concurrent appends: the word search and rehydrate look for.
        response = messages.AppendMessages(
            message_pb2.AppendMessagesRequest(
                user_id=user,
                session_id=session_id,
                messages=[message_pb2.NewMessage(role=message_pb2.ROLE_USER, content="My favourite animal is the giraffe, remember that.")],
            ),
            timeout=30,
        )
        check([m.message_index for m in response.messages] == [0], f"first index 0: {response}")

    def append_concurrently():
        barrier = threading.Barrier(THREADS)

        def worker(thread):
            barrier.wait(timeout=30)
            results = []
            for k in range(APPENDS_PER_THREAD):
                batch = [
                    message_pb2.NewMessage(role=message_pb2.ROLE_USER, content=f"thread {thread} question {k}"),
                    message_pb2.NewMessage(role=message_pb2.ROLE_ASSISTANT, content=f"thread {thread} answer {k}"),
                ][: 1 + (thread + k) % 2]
                results.append(
                    messages.AppendMessages(
                        message_pb2.AppendMessagesRequest(
                            user_id=user, session_id=session_id, messages=batch, idempotency_key=f"{run}-{thread}-{k}"
                        ),
                        timeout=60,
                    )
                )
            return results

        with ThreadPoolExecutor(THREADS) as pool:
            responses = [r for results in pool.map(worker, range(THREADS)) for r in results]
        indexes = []
        for response in responses:
            batch = [m.message_index for m in response.messages]
            check(batch == list(range(batch[0], batch[0] + len(batch))), f"a batch gets consecutive indexes: {batch}")
            indexes.extend(batch)
        check(sorted(indexes) == list(range(1, 1 + len(indexes))), f"gapless, unique indexes 1..n: {sorted(indexes)}")
        # A retry with a used idempotency key writes nothing and returns the first call's messages.
        replay = messages.AppendMessages(
            message_pb2.AppendMessagesRequest(
                user_id=user,
                session_id=session_id,
                messages=[message_pb2.NewMessage(role=message_pb2.ROLE_USER, content="thread 0 question 0")],
                idempotency_key=f"{run}-0-0",
            ),
            timeout=30,
        )
        check(replay.replayed, "a retry with the same idempotency key is replayed")
        # The last message is the user's, so rehydration's default query is known.
        messages.AppendMessages(
            message_pb2.AppendMessagesRequest(
                user_id=user,
                session_id=session_id,
                messages=[
                    message_pb2.NewMessage(role=message_pb2.ROLE_ASSISTANT, content="Noted."),
                    message_pb2.NewMessage(role=message_pb2.ROLE_USER, content="What should I draw today?"),
                ],
            ),
            timeout=30,
        )

    def list_messages():
        listed = all_messages()
        expected = 1 + sum(1 + (t + k) % 2 for t in range(THREADS) for k in range(APPENDS_PER_THREAD)) + 2
        check(len(listed) == expected, f"{expected} messages listed, got {len(listed)}")
        check([m.message_index for m in listed] == list(range(expected)), "listed forward in index order, every page")
        contents = [m.content for m in listed]
        for t in range(THREADS):
            for k in range(APPENDS_PER_THREAD):
                check(contents.count(f"thread {t} question {k}") == 1, f"thread {t} question {k} stored once")
        # content_hash and the context_hash chain, recomputed here.
        previous = bytes(32)
        for m in listed:
            content_hash = hashlib.sha256(m.content.encode("utf-8")).digest()
            check(m.content_hash == content_hash.hex(), f"content_hash of message {m.message_index}")
            previous = hashlib.sha256(previous + ROLE_NAMES[m.role].encode() + b"\x00" + content_hash).digest()
            check(m.context_hash == previous.hex(), f"context_hash chain at message {m.message_index}")
            check(m.user_id == user and m.session_id == session_id and m.token_count > 0, f"message fields: {m}")
        last = messages.ListMessages(message_pb2.ListMessagesRequest(user_id=user, session_id=session_id, last_n=5), timeout=30)
        check([m.id for m in last.messages] == [m.id for m in listed[-5:]], "last_n: the last 5, chronological")
        backward = messages.ListMessages(
            message_pb2.ListMessagesRequest(user_id=user, session_id=session_id, direction=message_pb2.LIST_DIRECTION_BACKWARD, page_size=3),
            timeout=30,
        )
        check([m.message_index for m in backward.messages] == [expected - 1, expected - 2, expected - 3], "backward: newest first")
        got = messages.GetMessage(message_pb2.GetMessageRequest(user_id=user, session_id=session_id, message_id=listed[0].id), timeout=30)
        check(got.message == listed[0], "GetMessage returns the listed message")
        count = sessions.GetSession(session_pb2.GetSessionRequest(user_id=user, session_id=session_id), timeout=30).session.message_count
        check(count == expected, f"message_count {count} == {expected}")
        state["stored"] = listed

    def run_search(**fields):
        responses = list(search.Search(search_pb2.SearchRequest(user_id=fields.pop("user_id", user), **fields), timeout=30))
        check(len(responses) >= 1 and responses[0].WhichOneof("event") == "info", f"SearchInfo first: {responses[:1]}")
        check(all(r.WhichOneof("event") == "hit" for r in responses[1:]), "then only hits")
        return responses[0].info, [r.hit for r in responses[1:]]

    def search_messages():
        info, hits = run_search(query="giraffe", mode=search_pb2.SEARCH_MODE_LEXICAL)
        check(info.effective_mode == search_pb2.SEARCH_MODE_LEXICAL and info.fallback_reason == "", f"lexical runs lexically: {info}")
        check(len(hits) == 1 and "giraffe" in hits[0].message.content, f"one lexical hit: {hits}")
        check(0 < hits[0].score <= 1 and hits[0].lexical_rank == 1, f"lexical score and rank: {hits[0]}")
        info, hits = run_search(query="thread answer", mode=search_pb2.SEARCH_MODE_LEXICAL, top_k=3, roles=[message_pb2.ROLE_ASSISTANT])
        check(len(hits) == 3 and all(h.message.role == message_pb2.ROLE_ASSISTANT for h in hits), f"top_k and role filter: {hits}")
        check(all(a.score >= b.score for a, b in zip(hits, hits[1:])), "best first")
        info, hits = run_search(query="giraffe", mode=search_pb2.SEARCH_MODE_HYBRID)
        if info.effective_mode == search_pb2.SEARCH_MODE_LEXICAL:
            check(info.fallback_reason != "", f"hybrid falls back to lexical and says why: {info}")
        else:
            check(info.effective_mode == search_pb2.SEARCH_MODE_HYBRID, f"hybrid: {info}")
        check(any("giraffe" in h.message.content for h in hits), f"hybrid finds the giraffe: {hits}")

    def write_summary_preference_context():
        last_index = state["stored"][-1].message_index if state["stored"] else 0
        summary = summaries.UpdateSummary(
            summary_pb2.UpdateSummaryRequest(
                user_id=user, session_id=session_id, content="The user likes giraffes and asks about drawing.", covers_through_index=last_index - 4
            ),
            timeout=30,
        )
        check(summary.summary.covers_through_index == last_index - 4, f"summary stored: {summary}")
        preferences.SetPreference(preference_pb2.SetPreferenceRequest(user_id=user, key="tone", value="concise"), timeout=30)
        contexts.UpsertContextEntry(
            context_pb2.UpsertContextEntryRequest(user_id=user, session_id=session_id, type="project", key="hobby", value="drawing animals"),
            timeout=30,
        )

    def rehydrate_call(**fields):
        return list(rehydrate.Rehydrate(rehydrate_pb2.RehydrateRequest(**fields), timeout=60))

    def check_stream(responses, budget):
        check(len(responses) >= 2, f"chunks, then a report: {responses}")
        chunks = [r.chunk for r in responses[:-1]]
        check(all(r.WhichOneof("event") == "chunk" for r in responses[:-1]), "every response but the last is a chunk")
        check(responses[-1].WhichOneof("event") == "report", "the report comes last")
        report = responses[-1].report
        used = sum(c.token_count for c in chunks)
        check(used <= budget, f"chunk tokens {used} within the budget {budget}")
        check(report.tokens_used == used and report.token_budget == budget, f"report: {report} (chunks: {used})")
        kinds = [c.kind for c in chunks]
        check(kinds == sorted(kinds), f"prompt order (header, summary, preferences, context, relevant, recent): {kinds}")
        check(all(c.token_count > 0 and c.text for c in chunks), "every chunk has text and tokens")
        return chunks, report

    def rehydrate_session():
        stored = state["stored"]
        check(len(stored) >= 5, "the messages were listed")
        budget = 4000
        chunks, report = check_stream(
            rehydrate_call(user_id=user, session_id=session_id, token_budget=budget, max_recent_messages=5, query="giraffe"), budget
        )
        recent = [c.recent_message for c in chunks if c.kind == rehydrate_pb2.CHUNK_KIND_RECENT_MESSAGE]
        check([m.id for m in recent] == [m.id for m in stored[-5:]], f"the 5 recent messages, chronological: {[m.content for m in recent]}")
        check(recent[-1].content == "What should I draw today?", "the newest message last")
        kinds = {c.kind for c in chunks}
        for kind in (rehydrate_pb2.CHUNK_KIND_HEADER, rehydrate_pb2.CHUNK_KIND_SUMMARY, rehydrate_pb2.CHUNK_KIND_PREFERENCE, rehydrate_pb2.CHUNK_KIND_CONTEXT_ENTRY):
            check(kind in kinds, f"{rehydrate_pb2.ChunkKind.Name(kind)} sent within a large budget")
        check(report.query == "giraffe", f"the request's query is used: {report.query!r}")
        if report.relevance_mode == search_pb2.SEARCH_MODE_LEXICAL:
            check(report.relevance_note != "", "lexical relevance says why")
            relevant = [c.relevant_message.message for c in chunks if c.kind == rehydrate_pb2.CHUNK_KIND_RELEVANT_MESSAGE]
            check(any("giraffe" in m.content for m in relevant), f"the older giraffe message is relevant: {relevant}")
        else:
            check(report.relevance_mode == search_pb2.SEARCH_MODE_SEMANTIC, f"relevance mode: {report}")
        # batch_chunks: the same chunks and report, several chunks per response, the report with the last ones.
        batched = rehydrate_call(user_id=user, session_id=session_id, token_budget=budget, max_recent_messages=5, query="giraffe", batch_chunks=True)
        check(all(r.WhichOneof("event") != "chunk" for r in batched), "a batched stream never uses `chunk`")
        check(batched[-1].WhichOneof("event") == "report" and len(batched) < len(chunks) + 1, f"fewer responses, the report last: {len(batched)}")
        check([c for r in batched for c in r.chunks] == list(chunks), "batched: the same chunks in the same order")
        check(batched[-1].report == report, "batched: the same report")
        # A budget that fits only the newest message: the recent window is kept first, from the newest back.
        newest_tokens = next(c.token_count for c in reversed(chunks) if c.kind == rehydrate_pb2.CHUNK_KIND_RECENT_MESSAGE)
        tight, tight_report = check_stream(
            rehydrate_call(user_id=user, session_id=session_id, token_budget=newest_tokens, max_recent_messages=5), newest_tokens
        )
        tight_recent = [c.recent_message.id for c in tight if c.kind == rehydrate_pb2.CHUNK_KIND_RECENT_MESSAGE]
        check(tight_recent == [stored[-1].id], f"only the newest message fits: {[c.text for c in tight]}")
        check(tight_report.query == "What should I draw today?", f"default query: the latest user message: {tight_report.query!r}")
        omitted = {o.kind: o for o in tight_report.omitted}
        check(
            rehydrate_pb2.CHUNK_KIND_RECENT_MESSAGE in omitted and omitted[rehydrate_pb2.CHUNK_KIND_RECENT_MESSAGE].count == 4,
            f"the 4 other recent messages are reported left out: {tight_report}",
        )
        # Errors.
        expect_invalid_argument(lambda: rehydrate_call(user_id=user, session_id=session_id, token_budget=0), "token_budget")
        intruded = failure(lambda: rehydrate_call(user_id=other, session_id=session_id, token_budget=100))
        absent = failure(lambda: rehydrate_call(user_id=other, session_id=missing_id, token_budget=100))
        same_not_found(intruded, absent)

    def same_not_found(intruded, absent):
        check(intruded.code == grpc.StatusCode.NOT_FOUND, f"another user's session: NOT_FOUND, got {intruded}")
        check(absent.code == grpc.StatusCode.NOT_FOUND, f"a missing session: NOT_FOUND, got {absent}")
        check(intruded.details == absent.details.replace(missing_id, session_id), f"same message: {intruded} / {absent}")
        check(intruded.reason is not None and intruded.reason == absent.reason, f"same ErrorInfo reason: {intruded} / {absent}")
        check(user not in intruded.details, "the owner is not revealed")

    def authentication():
        def write(channel):
            return message_pb2_grpc.MessageServiceStub(channel).AppendMessages(
                message_pb2.AppendMessagesRequest(
                    user_id=user, session_id=session_id, messages=[message_pb2.NewMessage(role=message_pb2.ROLE_USER, content="unauthorized")]
                ),
                timeout=30,
            )

        check_authentication(address, write)
        count = sessions.GetSession(session_pb2.GetSessionRequest(user_id=user, session_id=session_id), timeout=30).session.message_count
        check(count == len(state["stored"]), f"the refused writes stored nothing: {count} messages, {len(state['stored'])} before")

    def isolation():
        sessions.CreateSession(session_pb2.CreateSessionRequest(user_id=other, session_id=f"py-bob-own-{run}"), timeout=30)
        message_id = state["stored"][0].id if state["stored"] else str(uuid.uuid4())
        attempts = {
            "GetSession": lambda sid: sessions.GetSession(session_pb2.GetSessionRequest(user_id=other, session_id=sid), timeout=30),
            "DeleteSession": lambda sid: sessions.DeleteSession(session_pb2.DeleteSessionRequest(user_id=other, session_id=sid), timeout=30),
            "AppendMessages": lambda sid: messages.AppendMessages(
                message_pb2.AppendMessagesRequest(
                    user_id=other, session_id=sid, messages=[message_pb2.NewMessage(role=message_pb2.ROLE_USER, content="intrusion")]
                ),
                timeout=30,
            ),
            "ListMessages": lambda sid: messages.ListMessages(message_pb2.ListMessagesRequest(user_id=other, session_id=sid), timeout=30),
            "GetMessage": lambda sid: messages.GetMessage(
                message_pb2.GetMessageRequest(user_id=other, session_id=sid, message_id=message_id), timeout=30
            ),
            "UpdateSummary": lambda sid: summaries.UpdateSummary(
                summary_pb2.UpdateSummaryRequest(user_id=other, session_id=sid, content="x", covers_through_index=0), timeout=30
            ),
        }
        for name, attempt in attempts.items():
            try:
                same_not_found(failure(lambda: attempt(session_id)), failure(lambda: attempt(missing_id)))
            except AssertionError as error:
                raise AssertionError(f"{name}: {error}") from None
        # Session ids are unique per user: the same id creates the other user's
        # own, empty session (revealing nothing), and leaves the owner's alone.
        own = sessions.CreateSession(session_pb2.CreateSessionRequest(user_id=other, session_id=session_id), timeout=30)
        check(own.created and own.session.user_id == other and own.session.message_count == 0, f"another user's id: a session of their own: {own}")
        listed_own = messages.ListMessages(message_pb2.ListMessagesRequest(user_id=other, session_id=session_id), timeout=30)
        check(list(listed_own.messages) == [], f"it holds none of the owner's messages: {listed_own}")
        sessions.DeleteSession(session_pb2.DeleteSessionRequest(user_id=other, session_id=session_id), timeout=30)
        # Search names only the caller's data: another user's session matches nothing.
        info, hits = run_search(user_id=other, query="giraffe", mode=search_pb2.SEARCH_MODE_LEXICAL, session_ids=[session_id])
        check(hits == [], f"another user's search finds nothing of the owner's: {hits}")
        listed = sessions.ListSessions(session_pb2.ListSessionsRequest(user_id=other), timeout=30)
        check([s.id for s in listed.sessions] == [f"py-bob-own-{run}"], f"ListSessions shows only the caller's: {listed}")
        owner = sessions.GetSession(session_pb2.GetSessionRequest(user_id=user, session_id=session_id), timeout=30).session
        check(owner.message_count == len(state["stored"]), "nothing of the owner's changed")

    def errors():
        before = sessions.GetSession(session_pb2.GetSessionRequest(user_id=user, session_id=session_id), timeout=30).session.message_count
        expect_invalid_argument(lambda: sessions.CreateSession(session_pb2.CreateSessionRequest(user_id=""), timeout=30), "user_id")
        expect_invalid_argument(
            lambda: messages.AppendMessages(
                message_pb2.AppendMessagesRequest(user_id=user, session_id=session_id, messages=[message_pb2.NewMessage(content="no role")]),
                timeout=30,
            ),
            "messages[0].role",
        )
        expect_invalid_argument(
            lambda: messages.AppendMessages(
                message_pb2.AppendMessagesRequest(
                    user_id="", session_id="", messages=[message_pb2.NewMessage(role=message_pb2.ROLE_USER, content="a\x00b")]
                ),
                timeout=30,
            ),
            "user_id",
            "session_id",
            "messages[0].content",
        )
        expect_invalid_argument(
            lambda: messages.ListMessages(message_pb2.ListMessagesRequest(user_id=user, session_id=session_id, page_size=-1), timeout=30),
            "page_size",
        )
        expect_invalid_argument(lambda: list(search.Search(search_pb2.SearchRequest(user_id=user, query="x", top_k=-1), timeout=30)), "top_k")
        after = sessions.GetSession(session_pb2.GetSessionRequest(user_id=user, session_id=session_id), timeout=30).session.message_count
        check(after == before, "rejected appends stored nothing")
        absent = failure(lambda: sessions.GetSession(session_pb2.GetSessionRequest(user_id=user, session_id=missing_id), timeout=30))
        check(absent.code == grpc.StatusCode.NOT_FOUND and absent.reason == "SESSION_NOT_FOUND", f"missing session: {absent}")

    steps.run("create a session (idempotent retry)", create_session)
    steps.run("append the first message", append_first)
    steps.run(f"append from {THREADS} threads at once", append_concurrently)
    steps.run("list messages (pages, last N, backward, hashes)", list_messages)
    steps.run("search (lexical, filters, hybrid)", search_messages)
    steps.run("write a summary, a preference and a context entry", write_summary_preference_context)
    if api_key() is not None:
        steps.run("authentication: no key is UNAUTHENTICATED, a reader key cannot write", authentication)
    else:
        print("[python-scenario] skip authentication: LTST_INTEROP_API_KEY is not set (the server runs open)", flush=True)
    steps.run("isolation: another user's session is NOT_FOUND like a missing one", isolation)
    steps.run("errors: INVALID_ARGUMENT naming the fields", errors)
    steps.run("rehydrate within token budgets", rehydrate_session)
    channel.close()
    return steps.finish()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
