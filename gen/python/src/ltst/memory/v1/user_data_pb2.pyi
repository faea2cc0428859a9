from ltst.memory.v1 import context_pb2 as _context_pb2
from ltst.memory.v1 import message_pb2 as _message_pb2
from ltst.memory.v1 import preference_pb2 as _preference_pb2
from ltst.memory.v1 import relationship_pb2 as _relationship_pb2
from ltst.memory.v1 import session_pb2 as _session_pb2
from ltst.memory.v1 import summary_pb2 as _summary_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EraseUserDataRequest(_message.Message):
    __slots__ = ["confirm_user_id", "user_id"]
    CONFIRM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    confirm_user_id: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., confirm_user_id: _Optional[str] = ...) -> None: ...

class EraseUserDataResponse(_message.Message):
    __slots__ = ["deleted_message_count", "deleted_preference_count", "deleted_session_count"]
    DELETED_MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_PREFERENCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_SESSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    deleted_message_count: int
    deleted_preference_count: int
    deleted_session_count: int
    def __init__(self, deleted_session_count: _Optional[int] = ..., deleted_message_count: _Optional[int] = ..., deleted_preference_count: _Optional[int] = ...) -> None: ...

class ExportUserDataRequest(_message.Message):
    __slots__ = ["user_id"]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class ExportUserDataResponse(_message.Message):
    __slots__ = ["context_entry", "message", "preference", "relationship", "session", "summary"]
    CONTEXT_ENTRY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PREFERENCE_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    context_entry: _context_pb2.ContextEntry
    message: _message_pb2.Message
    preference: _preference_pb2.Preference
    relationship: _relationship_pb2.SessionRelationship
    session: _session_pb2.Session
    summary: _summary_pb2.SessionSummary
    def __init__(self, session: _Optional[_Union[_session_pb2.Session, _Mapping]] = ..., message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., context_entry: _Optional[_Union[_context_pb2.ContextEntry, _Mapping]] = ..., summary: _Optional[_Union[_summary_pb2.SessionSummary, _Mapping]] = ..., relationship: _Optional[_Union[_relationship_pb2.SessionRelationship, _Mapping]] = ..., preference: _Optional[_Union[_preference_pb2.Preference, _Mapping]] = ...) -> None: ...
