from ltst.memory.v1 import context_pb2 as _context_pb2
from ltst.memory.v1 import message_pb2 as _message_pb2
from ltst.memory.v1 import preference_pb2 as _preference_pb2
from ltst.memory.v1 import search_pb2 as _search_pb2
from ltst.memory.v1 import session_pb2 as _session_pb2
from ltst.memory.v1 import summary_pb2 as _summary_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CHUNK_KIND_CONTEXT_ENTRY: ChunkKind
CHUNK_KIND_HEADER: ChunkKind
CHUNK_KIND_PREFERENCE: ChunkKind
CHUNK_KIND_RECENT_MESSAGE: ChunkKind
CHUNK_KIND_RELEVANT_MESSAGE: ChunkKind
CHUNK_KIND_SUMMARY: ChunkKind
CHUNK_KIND_UNSPECIFIED: ChunkKind
DESCRIPTOR: _descriptor.FileDescriptor
TOKEN_ENCODING_CL100K_BASE: TokenEncoding
TOKEN_ENCODING_O200K_BASE: TokenEncoding
TOKEN_ENCODING_UNSPECIFIED: TokenEncoding

class OmittedItems(_message.Message):
    __slots__ = ["count", "kind", "not_considered", "tokens"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NOT_CONSIDERED_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    count: int
    kind: ChunkKind
    not_considered: int
    tokens: int
    def __init__(self, kind: _Optional[_Union[ChunkKind, str]] = ..., count: _Optional[int] = ..., tokens: _Optional[int] = ..., not_considered: _Optional[int] = ...) -> None: ...

class RehydrateChunk(_message.Message):
    __slots__ = ["context_entry", "kind", "preference", "recent_message", "relevant_message", "session", "summary", "text", "token_count"]
    CONTEXT_ENTRY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PREFERENCE_FIELD_NUMBER: _ClassVar[int]
    RECENT_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RELEVANT_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    context_entry: _context_pb2.ContextEntry
    kind: ChunkKind
    preference: _preference_pb2.Preference
    recent_message: _message_pb2.Message
    relevant_message: RelevantMessage
    session: _session_pb2.Session
    summary: _summary_pb2.SessionSummary
    text: str
    token_count: int
    def __init__(self, kind: _Optional[_Union[ChunkKind, str]] = ..., token_count: _Optional[int] = ..., text: _Optional[str] = ..., session: _Optional[_Union[_session_pb2.Session, _Mapping]] = ..., summary: _Optional[_Union[_summary_pb2.SessionSummary, _Mapping]] = ..., preference: _Optional[_Union[_preference_pb2.Preference, _Mapping]] = ..., context_entry: _Optional[_Union[_context_pb2.ContextEntry, _Mapping]] = ..., relevant_message: _Optional[_Union[RelevantMessage, _Mapping]] = ..., recent_message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class RehydrateReport(_message.Message):
    __slots__ = ["omitted", "query", "relevance_mode", "relevance_note", "token_budget", "tokens_used"]
    OMITTED_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    RELEVANCE_MODE_FIELD_NUMBER: _ClassVar[int]
    RELEVANCE_NOTE_FIELD_NUMBER: _ClassVar[int]
    TOKENS_USED_FIELD_NUMBER: _ClassVar[int]
    TOKEN_BUDGET_FIELD_NUMBER: _ClassVar[int]
    omitted: _containers.RepeatedCompositeFieldContainer[OmittedItems]
    query: str
    relevance_mode: _search_pb2.SearchMode
    relevance_note: str
    token_budget: int
    tokens_used: int
    def __init__(self, tokens_used: _Optional[int] = ..., token_budget: _Optional[int] = ..., omitted: _Optional[_Iterable[_Union[OmittedItems, _Mapping]]] = ..., relevance_mode: _Optional[_Union[_search_pb2.SearchMode, str]] = ..., relevance_note: _Optional[str] = ..., query: _Optional[str] = ...) -> None: ...

class RehydrateRequest(_message.Message):
    __slots__ = ["batch_chunks", "current_session_only", "encoding", "max_recent_messages", "max_relevant_messages", "min_relevance", "query", "session_id", "token_budget", "user_id"]
    BATCH_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_SESSION_ONLY_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    MAX_RECENT_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    MAX_RELEVANT_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    MIN_RELEVANCE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_BUDGET_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    batch_chunks: bool
    current_session_only: bool
    encoding: TokenEncoding
    max_recent_messages: int
    max_relevant_messages: int
    min_relevance: float
    query: str
    session_id: str
    token_budget: int
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., session_id: _Optional[str] = ..., query: _Optional[str] = ..., token_budget: _Optional[int] = ..., encoding: _Optional[_Union[TokenEncoding, str]] = ..., max_recent_messages: _Optional[int] = ..., max_relevant_messages: _Optional[int] = ..., current_session_only: bool = ..., min_relevance: _Optional[float] = ..., batch_chunks: bool = ...) -> None: ...

class RehydrateResponse(_message.Message):
    __slots__ = ["chunk", "chunks", "report"]
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    chunk: RehydrateChunk
    chunks: _containers.RepeatedCompositeFieldContainer[RehydrateChunk]
    report: RehydrateReport
    def __init__(self, chunk: _Optional[_Union[RehydrateChunk, _Mapping]] = ..., report: _Optional[_Union[RehydrateReport, _Mapping]] = ..., chunks: _Optional[_Iterable[_Union[RehydrateChunk, _Mapping]]] = ...) -> None: ...

class RelevantMessage(_message.Message):
    __slots__ = ["message", "score"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    score: float
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., score: _Optional[float] = ...) -> None: ...

class TokenEncoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ChunkKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
