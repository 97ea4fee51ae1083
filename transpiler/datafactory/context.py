"""What every task of a worker process shares: settings, where state lives, locks, the mapping.

One `WorkerContext` is built per process by the command line and passed down to each task run;
nothing is read from the environment below it.

State folder (`--state`, shared by all the workers of one Product-Live account, e.g. one docker
volume): `journal/` (the publication journals, one per seller: a retried execution resumes from
it), `rate-limits/` (the SP-API token buckets per application and seller, shared by every worker so
that together they stay within Amazon's plan), `locks/` (one lock per seller, one for the
structure), `work/` (one temporary folder per execution, removed afterwards).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from transpiler.config import Secret, Settings
from transpiler.datafactory.inputs import TaskFailure
from transpiler.datafactory.locks import LockTimeout, file_lock
from transpiler.datafactory.settings import ProductLiveSettings
from transpiler.errors import ConfigError
from transpiler.workspace import Workspace

#: How long an execution waits for another one working on the same seller before failing (and
#: being retried by Data Factory).
SELLER_LOCK_WAIT = 900.0


@dataclass
class PublishDefaults:
    """Publication timing for task runs (the command line's --follow-up and friends)."""

    follow_up_delay: float = 5.0
    follow_up_timeout: float = 60.0
    feed_poll: float = 0.5
    #: processes preparing the items of a large export (`PublishOptions.workers`). One: a worker
    #: process has threads (polling, HTTP), and forking a process with threads may leave the child
    #: a lock another thread held; one core prepares about 170 items a second, far beyond Amazon's
    #: 5 listings a second, and a worker scales by containers, not by forks.
    prepare_workers: int = 1


def _same_settings(settings: Settings, partner: str | None) -> Settings:
    if partner:
        raise ConfigError(f"no token store to act for partner {partner!r}")
    return settings


@dataclass
class WorkerContext:
    #: the process's workspace: Amazon settings (PL_AMAZON_*: endpoints, app credentials, default
    #: partner), the definitions store the structure pull writes to, the generated folder it
    #: regenerates, and the registries of compiled product types and validators every run shares
    workspace: Workspace
    productlive: ProductLiveSettings
    state_dir: Path
    partner: str | None = None  # default vendor code when an execution names none
    publish: PublishDefaults = field(default_factory=PublishDefaults)
    seller_lock_wait: float = SELLER_LOCK_WAIT
    #: (settings, partner) -> settings acting for that partner; the command line passes the
    #: authorization store's `partner_settings` (the partner's stored refresh token)
    for_partner: Callable[[Settings, str | None], Settings] = _same_settings
    #: settings -> SP-API client; default: one whose rate-limit buckets live in `<state>/rate-limits/`
    #: (shared by every worker using the folder); the benchmark passes one with scaled limits
    amazon_client: Callable[[Settings], Any] | None = None
    #: the time of task runs (default: the wall clock): what the publisher waits for (follow-up
    #: reads, feed polling) and the SP-API client's rate-limit pauses and retry backoff. Tests pass
    #: the sandbox's `now` and `sleep`, so that a run advances the sandbox's clock instead of waiting
    clock: Callable[[], float] | None = None
    sleep: Callable[[float], None] | None = None

    def __post_init__(self) -> None:
        for name in ("journal", "locks", "work"):
            (self.state_dir / name).mkdir(parents=True, exist_ok=True)

    @property
    def settings(self) -> Settings:
        return self.workspace.settings

    @property
    def assets_root(self) -> Path:
        return self.workspace.assets_root

    @property
    def generated_root(self) -> Path:
        return self.workspace.generated_root

    # -- Amazon settings per vendor -------------------------------------------------------------
    def workspace_for(self, settings: Settings) -> Workspace:
        """The process's workspace acting with `settings` (a partner's): same folders, same registries."""
        return replace(self.workspace, settings=settings)

    def amazon_settings(self, partner: str | None) -> Settings:
        """Settings acting for `partner` (its stored refresh token), or for the default partner."""
        return self.for_partner(self.settings, partner or self.partner)

    def client_for(self, settings: Settings) -> Any:
        """The SP-API client of one task run (a context manager: closes its connections and buckets)."""
        if self.amazon_client is not None:
            return self.amazon_client(settings)
        from transpiler.publish.target import shared_client

        return shared_client(settings, self.state_dir, **self.timing())

    def timing(self) -> dict[str, Any]:
        """`clock=` / `sleep=` for what waits in a task run, when the context has its own time."""
        return {name: value for name, value in (("clock", self.clock), ("sleep", self.sleep)) if value is not None}

    def secrets(self, settings: Settings | None = None) -> list[str]:
        """Every secret value this context can reveal, to scrub from anything leaving the worker."""
        values: list[Secret] = [self.productlive.api_key, self.settings.client_secret, self.settings.refresh_token,
                                self.settings.token_key]
        if settings is not None:
            values += [settings.client_secret, settings.refresh_token]
        return [v.reveal() for v in values if v and len(v.reveal()) >= 4]

    def scrub(self, value: Any, settings: Settings | None = None) -> Any:
        """`value` (text or JSON-like) with every known secret replaced by ****."""
        text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
        for secret in self.secrets(settings):
            text = text.replace(secret, "****")
            text = text.replace(json.dumps(secret)[1:-1], "****")
        return text if isinstance(value, str) else json.loads(text)

    # -- locks and paths ------------------------------------------------------------------------
    def seller_key(self, settings: Settings) -> str:
        from transpiler.publish.journal import target_name

        return target_name(settings.spapi_url, settings.seller_id, settings.marketplace_id)

    @contextmanager
    def seller_lock(self, settings: Settings) -> Iterator[None]:
        """Only one publication or follow-up at a time for one seller, across every worker."""
        path = self.state_dir / "locks" / f"seller-{self.seller_key(settings)}.lock"
        try:
            with file_lock(path, timeout=self.seller_lock_wait):
                yield
        except LockTimeout:
            raise TaskFailure(
                f"Une autre publication ou un autre suivi est en cours pour le fournisseur {settings.seller_id} "
                "depuis plus de 15 minutes : nouvel essai plus tard.", "SELLER_BUSY") from None

    @contextmanager
    def structure_lock(self, *, shared: bool) -> Iterator[None]:
        """The structure pull rewrites assets and generated files: readers take it shared."""
        with file_lock(self.state_dir / "locks" / "structure.lock", shared=shared, timeout=self.seller_lock_wait):
            yield

    def mapping_set(self) -> Any:
        """The field mapping of the generated table, read under the shared structure lock."""
        from transpiler.publish.mappings import MappingSet

        with self.structure_lock(shared=True):
            try:
                return MappingSet.load(self.generated_root / "mapping")
            except ConfigError as exc:
                raise TaskFailure(f"Le connecteur n'a pas de correspondance de champs : {exc.one_line()}",
                                  "NO_MAPPING") from None

    def journal_path(self, settings: Settings) -> Path:
        return self.state_dir / "journal" / f"{self.seller_key(settings)}.sqlite3"

    @contextmanager
    def workdir(self, execution_id: str) -> Iterator[Path]:
        """A private folder for one execution's files, removed afterwards."""
        safe = hashlib.sha256(execution_id.encode()).hexdigest()[:16]
        folder = Path(tempfile.mkdtemp(prefix=f"{safe}-", dir=self.state_dir / "work"))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def check(self) -> None:
        """Raises ConfigError when the worker cannot start with these settings."""
        self.productlive.check()
        if not (self.generated_root / "mapping").is_dir():
            raise ConfigError(f"no field mapping in {self.generated_root / 'mapping'}: run `pl-amazon regenerate`")
