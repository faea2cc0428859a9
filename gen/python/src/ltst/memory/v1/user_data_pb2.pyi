from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ltst.memory.v1 import context_pb2 as _context_pb2
from ltst.memory.v1 import message_pb2 as _message_pb2
from ltst.memory.v1 import preference_pb2 as _preference_pb2
from ltst.memory.v1 import relationship_pb2 as _relationship_pb2
from ltst.memory.v1 import session_pb2 as _session_pb2
from ltst.memory.v1 import summary_pb2 as _summary_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EraseUserDataRequest(_message.Message):
    __slots__ = ["confirm_user_id", "user_id"]
    CONFIRM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    confirm_user_id: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., confirm_user_id: _Optional[str] = ...) -> None: ...

class EraseUserDataResponse(_message.Message):
    __slots__ = ["deleted_append_request_count", "deleted_context_entry_count", "deleted_counts", "deleted_embedding_count", "deleted_message_count", "deleted_pending_embedding_count", "deleted_preference_count", "deleted_relationship_count", "deleted_session_count", "deleted_summary_count", "record"]
    class DeletedCountsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    DELETED_APPEND_REQUEST_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_CONTEXT_ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_COUNTS_FIELD_NUMBER: _ClassVar[int]
    DELETED_EMBEDDING_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_PENDING_EMBEDDING_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_PREFERENCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_RELATIONSHIP_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_SESSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_SUMMARY_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    deleted_append_request_count: int
    deleted_context_entry_count: int
    deleted_counts: _containers.ScalarMap[str, int]
    deleted_embedding_count: int
    deleted_message_count: int
    deleted_pending_embedding_count: int
    deleted_preference_count: int
    deleted_relationship_count: int
    deleted_session_count: int
    deleted_summary_count: int
    record: ErasureRecord
    def __init__(self, deleted_session_count: _Optional[int] = ..., deleted_message_count: _Optional[int] = ..., deleted_preference_count: _Optional[int] = ..., deleted_context_entry_count: _Optional[int] = ..., deleted_relationship_count: _Optional[int] = ..., deleted_summary_count: _Optional[int] = ..., deleted_embedding_count: _Optional[int] = ..., deleted_pending_embedding_count: _Optional[int] = ..., deleted_append_request_count: _Optional[int] = ..., deleted_counts: _Optional[_Mapping[str, int]] = ..., record: _Optional[_Union[ErasureRecord, _Mapping]] = ...) -> None: ...

class ErasureRecord(_message.Message):
    __slots__ = ["deleted_counts", "erase_time", "id", "requested_by", "user_id"]
    class DeletedCountsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    DELETED_COUNTS_FIELD_NUMBER: _ClassVar[int]
    ERASE_TIME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    deleted_counts: _containers.ScalarMap[str, int]
    erase_time: _timestamp_pb2.Timestamp
    id: str
    requested_by: str
    user_id: str
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., requested_by: _Optional[str] = ..., erase_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., deleted_counts: _Optional[_Mapping[str, int]] = ...) -> None: ...

class ExportUserDataRequest(_message.Message):
    __slots__ = ["cursor", "user_id"]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., cursor: _Optional[str] = ...) -> None: ...

class ExportUserDataResponse(_message.Message):
    __slots__ = ["context_entry", "cursor", "message", "preference", "relationship", "session", "statistics", "summary"]
    CONTEXT_ENTRY_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PREFERENCE_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    context_entry: _context_pb2.ContextEntry
    cursor: str
    message: _message_pb2.Message
    preference: _preference_pb2.Preference
    relationship: _relationship_pb2.SessionRelationship
    session: _session_pb2.Session
    statistics: _summary_pb2.SessionStatistics
    summary: _summary_pb2.SessionSummary
    def __init__(self, session: _Optional[_Union[_session_pb2.Session, _Mapping]] = ..., message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., context_entry: _Optional[_Union[_context_pb2.ContextEntry, _Mapping]] = ..., summary: _Optional[_Union[_summary_pb2.SessionSummary, _Mapping]] = ..., relationship: _Optional[_Union[_relationship_pb2.SessionRelationship, _Mapping]] = ..., preference: _Optional[_Union[_preference_pb2.Preference, _Mapping]] = ..., statistics: _Optional[_Union[_summary_pb2.SessionStatistics, _Mapping]] = ..., cursor: _Optional[str] = ...) -> None: ...

class ListErasureRecordsRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "user_id"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListErasureRecordsResponse(_message.Message):
    __slots__ = ["next_page_token", "records"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    records: _containers.RepeatedCompositeFieldContainer[ErasureRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[ErasureRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
