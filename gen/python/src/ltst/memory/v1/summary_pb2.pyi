from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetSessionStatisticsRequest(_message.Message):
    __slots__ = ["session_id", "user_id"]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., session_id: _Optional[str] = ...) -> None: ...

class GetSessionStatisticsResponse(_message.Message):
    __slots__ = ["statistics"]
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    statistics: SessionStatistics
    def __init__(self, statistics: _Optional[_Union[SessionStatistics, _Mapping]] = ...) -> None: ...

class GetSummaryRequest(_message.Message):
    __slots__ = ["session_id", "user_id"]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., session_id: _Optional[str] = ...) -> None: ...

class GetSummaryResponse(_message.Message):
    __slots__ = ["summary"]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    summary: SessionSummary
    def __init__(self, summary: _Optional[_Union[SessionSummary, _Mapping]] = ...) -> None: ...

class SessionStatistics(_message.Message):
    __slots__ = ["assistant_message_count", "average_message_length", "context_entry_count", "duration", "first_message_time", "last_message_time", "last_summary_update_time", "message_count", "messages_since_summary", "session_id", "summary_due", "system_message_count", "tool_message_count", "total_tokens", "user_message_count"]
    ASSISTANT_MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_MESSAGE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    FIRST_MESSAGE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_MESSAGE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SUMMARY_UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_SINCE_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_DUE_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOOL_MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    USER_MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    assistant_message_count: int
    average_message_length: float
    context_entry_count: int
    duration: _duration_pb2.Duration
    first_message_time: _timestamp_pb2.Timestamp
    last_message_time: _timestamp_pb2.Timestamp
    last_summary_update_time: _timestamp_pb2.Timestamp
    message_count: int
    messages_since_summary: int
    session_id: str
    summary_due: bool
    system_message_count: int
    tool_message_count: int
    total_tokens: int
    user_message_count: int
    def __init__(self, session_id: _Optional[str] = ..., message_count: _Optional[int] = ..., user_message_count: _Optional[int] = ..., assistant_message_count: _Optional[int] = ..., system_message_count: _Optional[int] = ..., tool_message_count: _Optional[int] = ..., total_tokens: _Optional[int] = ..., average_message_length: _Optional[float] = ..., duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., context_entry_count: _Optional[int] = ..., last_summary_update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., messages_since_summary: _Optional[int] = ..., summary_due: bool = ..., first_message_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_message_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SessionSummary(_message.Message):
    __slots__ = ["content", "covers_through_index", "metadata", "session_id", "token_count", "update_time"]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    COVERS_THROUGH_INDEX_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    content: str
    covers_through_index: int
    metadata: _struct_pb2.Struct
    session_id: str
    token_count: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, session_id: _Optional[str] = ..., content: _Optional[str] = ..., covers_through_index: _Optional[int] = ..., token_count: _Optional[int] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpdateSummaryRequest(_message.Message):
    __slots__ = ["content", "covers_through_index", "metadata", "session_id", "user_id"]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    COVERS_THROUGH_INDEX_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    content: str
    covers_through_index: int
    metadata: _struct_pb2.Struct
    session_id: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., session_id: _Optional[str] = ..., content: _Optional[str] = ..., covers_through_index: _Optional[int] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateSummaryResponse(_message.Message):
    __slots__ = ["summary"]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    summary: SessionSummary
    def __init__(self, summary: _Optional[_Union[SessionSummary, _Mapping]] = ...) -> None: ...
