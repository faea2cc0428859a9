from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
RELATION_DIRECTION_BOTH: RelationDirection
RELATION_DIRECTION_INCOMING: RelationDirection
RELATION_DIRECTION_OUTGOING: RelationDirection
RELATION_DIRECTION_UNSPECIFIED: RelationDirection
RELATION_TYPE_CONTINUATION: RelationType
RELATION_TYPE_REFERENCE: RelationType
RELATION_TYPE_SIMILAR: RelationType
RELATION_TYPE_UNSPECIFIED: RelationType

class LinkSessionsRequest(_message.Message):
    __slots__ = ["metadata", "relation", "score", "source_session_id", "target_session_id", "user_id"]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    metadata: _struct_pb2.Struct
    relation: RelationType
    score: float
    source_session_id: str
    target_session_id: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., source_session_id: _Optional[str] = ..., target_session_id: _Optional[str] = ..., relation: _Optional[_Union[RelationType, str]] = ..., score: _Optional[float] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class LinkSessionsResponse(_message.Message):
    __slots__ = ["relationship"]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    relationship: SessionRelationship
    def __init__(self, relationship: _Optional[_Union[SessionRelationship, _Mapping]] = ...) -> None: ...

class ListRelatedSessionsRequest(_message.Message):
    __slots__ = ["direction", "page_size", "page_token", "relation", "session_id", "user_id"]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    direction: RelationDirection
    page_size: int
    page_token: str
    relation: RelationType
    session_id: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., session_id: _Optional[str] = ..., direction: _Optional[_Union[RelationDirection, str]] = ..., relation: _Optional[_Union[RelationType, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRelatedSessionsResponse(_message.Message):
    __slots__ = ["next_page_token", "relationships"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIPS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    relationships: _containers.RepeatedCompositeFieldContainer[SessionRelationship]
    def __init__(self, relationships: _Optional[_Iterable[_Union[SessionRelationship, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SessionRelationship(_message.Message):
    __slots__ = ["create_time", "metadata", "relation", "score", "source_session_id", "target_session_id"]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct
    relation: RelationType
    score: float
    source_session_id: str
    target_session_id: str
    def __init__(self, source_session_id: _Optional[str] = ..., target_session_id: _Optional[str] = ..., relation: _Optional[_Union[RelationType, str]] = ..., score: _Optional[float] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UnlinkSessionsRequest(_message.Message):
    __slots__ = ["relation", "source_session_id", "target_session_id", "user_id"]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    relation: RelationType
    source_session_id: str
    target_session_id: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., source_session_id: _Optional[str] = ..., target_session_id: _Optional[str] = ..., relation: _Optional[_Union[RelationType, str]] = ...) -> None: ...

class UnlinkSessionsResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class RelationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class RelationDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
