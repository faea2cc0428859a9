from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ltst.memory.v1 import message_pb2 as _message_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
SEARCH_MODE_HYBRID: SearchMode
SEARCH_MODE_LEXICAL: SearchMode
SEARCH_MODE_SEMANTIC: SearchMode
SEARCH_MODE_UNSPECIFIED: SearchMode

class SearchHit(_message.Message):
    __slots__ = ["lexical_rank", "message", "score", "semantic_rank"]
    LEXICAL_RANK_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_RANK_FIELD_NUMBER: _ClassVar[int]
    lexical_rank: int
    message: _message_pb2.Message
    score: float
    semantic_rank: int
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., score: _Optional[float] = ..., semantic_rank: _Optional[int] = ..., lexical_rank: _Optional[int] = ...) -> None: ...

class SearchInfo(_message.Message):
    __slots__ = ["effective_mode", "fallback_reason", "pending_embeddings"]
    EFFECTIVE_MODE_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_REASON_FIELD_NUMBER: _ClassVar[int]
    PENDING_EMBEDDINGS_FIELD_NUMBER: _ClassVar[int]
    effective_mode: SearchMode
    fallback_reason: str
    pending_embeddings: int
    def __init__(self, effective_mode: _Optional[_Union[SearchMode, str]] = ..., fallback_reason: _Optional[str] = ..., pending_embeddings: _Optional[int] = ...) -> None: ...

class SearchRequest(_message.Message):
    __slots__ = ["end_time", "metadata_filter", "min_score", "mode", "query", "roles", "session_ids", "start_time", "top_k", "user_id", "wait_for_embeddings"]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FILTER_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    SESSION_IDS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    WAIT_FOR_EMBEDDINGS_FIELD_NUMBER: _ClassVar[int]
    end_time: _timestamp_pb2.Timestamp
    metadata_filter: _struct_pb2.Struct
    min_score: float
    mode: SearchMode
    query: str
    roles: _containers.RepeatedScalarFieldContainer[_message_pb2.Role]
    session_ids: _containers.RepeatedScalarFieldContainer[str]
    start_time: _timestamp_pb2.Timestamp
    top_k: int
    user_id: str
    wait_for_embeddings: bool
    def __init__(self, user_id: _Optional[str] = ..., query: _Optional[str] = ..., mode: _Optional[_Union[SearchMode, str]] = ..., top_k: _Optional[int] = ..., min_score: _Optional[float] = ..., session_ids: _Optional[_Iterable[str]] = ..., roles: _Optional[_Iterable[_Union[_message_pb2.Role, str]]] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., metadata_filter: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., wait_for_embeddings: bool = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ["hit", "info"]
    HIT_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    hit: SearchHit
    info: SearchInfo
    def __init__(self, info: _Optional[_Union[SearchInfo, _Mapping]] = ..., hit: _Optional[_Union[SearchHit, _Mapping]] = ...) -> None: ...

class SearchMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
