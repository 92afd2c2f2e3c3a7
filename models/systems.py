"""The outside systems examflow talks to, each declared once.

Settings take each system's default address from here, the local stack (`make run`, the demo)
starts and waits for each stand-in from here, and the test fixtures serve each stand-in from
here. `integrations/systems.py` binds each declaration to the Protocol examflow needs of the
system and to the client that meets it; docs/architecture.md tells how a system is added."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SystemDeclaration:
    """One outside system: its name (settings are `EXAMFLOW_<NAME>_URL` and so on), what it is,
    the port and path of its local stand-in, and how the stand-in is started."""

    name: str
    title: str
    default_port: int
    standin: str  # the stand-in's module: `python -m <standin> --port P --state S [args]`
    state: str  # the stand-in's state, under $EXAMFLOW_HOME/simulators
    url_path: str = "/"  # where the API sits under the host
    standin_args: tuple[str, ...] = ()
    settings: tuple[str, ...] = field(default_factory=tuple)  # the client's Settings fields, url first

    @property
    def url_setting(self) -> str:
        return f"{self.name}_url"

    @property
    def url_env(self) -> str:
        return f"EXAMFLOW_{self.name.upper()}_URL"

    def local_url(self, port: int | None = None, host: str = "http://127.0.0.1") -> str:
        """The stand-in's API address on this machine."""
        return f"{host}:{port or self.default_port}{self.url_path}"


LADOK = SystemDeclaration(
    name="ladok",
    title="Ladok, the Swedish student register",
    default_port=8710,
    standin="simulators.ladok",
    state="ladok.db",
    settings=(
        "ladok_url",
        "ladok_requests_per_second",
        "ladok_cert",
        "ladok_cert_password",
        "ladok_cert_password_block",
        "ladok_ca_bundle",
    ),
)
INSPERA = SystemDeclaration(
    name="inspera",
    title="Inspera Assessment, the exam platform",
    default_port=8720,
    standin="simulators.inspera",
    state="inspera.db",
    url_path="/api/",
    standin_args=("--autoplay",),
    settings=("inspera_url", "inspera_api_key", "inspera_tenant"),
)
ARCHIVE = SystemDeclaration(
    name="archive",
    title="the records archive (Noark 5, as ePhorte)",
    default_port=8730,
    standin="simulators.archive",
    state="archive",
    settings=("archive_url",),
)
SIMILARITY = SystemDeclaration(
    name="similarity",
    title="the similarity service (Urkund/Ouriginal)",
    default_port=8740,
    standin="simulators.similarity",
    state="similarity.db",
    settings=("similarity_url",),
)
FS = SystemDeclaration(
    name="fs",
    title="FS, the Norwegian student register",
    default_port=8750,
    standin="simulators.fs",
    state="fs.db",
    settings=("fs_url", "fs_user", "fs_password", "fs_owner"),
)

CANVAS = SystemDeclaration(
    name="canvas",
    title="Canvas LMS, the learning platform",
    default_port=8760,
    standin="simulators.canvas",
    state="canvas.db",
    settings=("canvas_url", "canvas_token"),
)

SYSTEMS: tuple[SystemDeclaration, ...] = (LADOK, INSPERA, ARCHIVE, SIMILARITY, FS, CANVAS)
