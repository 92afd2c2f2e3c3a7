"""Each client against the Protocol it serves, checked by mypy (`make test`): a client that drifts
from its Protocol fails the type check, not a flow at run time."""

from integrations.archive import ArchiveClient
from integrations.fs import FsClient
from integrations.inspera import InsperaClient
from integrations.ladok import LadokClient
from integrations.protocols import (
    ExamPlatform,
    RecordsArchive,
    RequestRegister,
    SimilarityService,
    StudentRegister,
)
from integrations.similarity import SimilarityClient

_register: type[StudentRegister] = LadokClient
_requests: type[RequestRegister] = FsClient
_platform: type[ExamPlatform] = InsperaClient
_archive: type[RecordsArchive] = ArchiveClient
_similarity: type[SimilarityService] = SimilarityClient
