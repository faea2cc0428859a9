from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ContextEntry(_message.Message):
    __slots__ = ["create_time", "expire_time", "key", "metadata", "relevance_score", "session_id", "type", "update_time", "value"]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RELEVANCE_SCORE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    key: str
    metadata: _struct_pb2.Struct
    relevance_score: float
    session_id: str
    type: str
    update_time: _timestamp_pb2.Timestamp
    value: str
    def __init__(self, session_id: _Optional[str] = ..., type: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[str] = ..., relevance_score: _Optional[float] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeleteContextEntryRequest(_message.Message):
    __slots__ = ["key", "session_id", "type", "user_id"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    key: str
    session_id: str
    type: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., session_id: _Optional[str] = ..., type: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class DeleteContextEntryResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetContextEntryRequest(_message.Message):
    __slots__ = ["key", "session_id", "type", "user_id"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    key: str
    session_id: str
    type: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., session_id: _Optional[str] = ..., type: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class GetContextEntryResponse(_message.Message):
    __slots__ = ["entry"]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: ContextEntry
    def __init__(self, entry: _Optional[_Union[ContextEntry, _Mapping]] = ...) -> None: ...

class ListContextEntriesRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "session_id", "type", "user_id"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    session_id: str
    type: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., session_id: _Optional[str] = ..., type: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListContextEntriesResponse(_message.Message):
    __slots__ = ["entries", "next_page_token"]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[ContextEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[ContextEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpsertContextEntryRequest(_message.Message):
    __slots__ = ["expire_time", "key", "metadata", "relevance_score", "session_id", "ttl", "type", "user_id", "value"]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RELEVANCE_SCORE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    expire_time: _timestamp_pb2.Timestamp
    key: str
    metadata: _struct_pb2.Struct
    relevance_score: float
    session_id: str
    ttl: _duration_pb2.Duration
    type: str
    user_id: str
    value: str
    def __init__(self, user_id: _Optional[str] = ..., session_id: _Optional[str] = ..., type: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[str] = ..., relevance_score: _Optional[float] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., ttl: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class UpsertContextEntryResponse(_message.Message):
    __slots__ = ["created", "entry"]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    created: bool
    entry: ContextEntry
    def __init__(self, entry: _Optional[_Union[ContextEntry, _Mapping]] = ..., created: bool = ...) -> None: ...
