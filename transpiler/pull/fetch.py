"""`pl-amazon pull`: fetch product type definitions from Amazon into the assets folder.

All or nothing: every requested definition is fetched and its checksum verified into a staging
folder first; only when all of them are good are files moved into
`<assets>/<marketplace>/<locale>/`, each by an atomic rename, the manifest last. A failure
(unknown product type, refused credentials, network down, corrupted download) leaves the assets
exactly as they were. Types whose version and checksum match the manifest are not downloaded.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from transpiler.amazon.definitions import definitions_dir, md5_base64
from transpiler.compiler.diff import ProductTypeDiff, diff_product_types
from transpiler.errors import AmazonError, ConfigError, PlAmazonError, SchemaError, UnknownProductTypeError
from transpiler.spapi.client import SpApiClient
from transpiler.spapi.errors import ChecksumMismatchError

MANIFEST = "manifest.json"
META_SCHEMA_DIR = "meta-schema"
DEFAULT_META_SCHEMA_NAME = "amazon-product-type-definition-meta-schema-v1.json"
DEFAULT_WORKERS = 4


class UnknownAtAmazonError(UnknownProductTypeError):
    """Amazon does not know this product type for the marketplace (getDefinitionsProductType 404)."""

    def __init__(self, product_type: str, marketplace_id: str):
        super().__init__(product_type)
        self.marketplace_id = marketplace_id
        self.args = (f"{self.args[0]} on marketplace {marketplace_id}: "
                     "find the right name with `pl-amazon pull --search KEYWORDS`",)


class PullProgress(Protocol):
    """What the command line shows while pulling (a rich progress bar, or nothing)."""

    def start(self, total: int) -> None: ...

    def advance(self, product_type: str, status: str) -> None: ...


@dataclass(frozen=True)
class PulledType:
    """The outcome for one product type: `new`, `updated` or `unchanged`."""

    name: str
    status: str
    version: str
    checksum: str
    old_version: str | None = None
    old_checksum: str | None = None
    size: int | None = None
    diff: ProductTypeDiff | None = None
    diff_error: str | None = None


@dataclass
class PullResult:
    directory: Path
    types: list[PulledType] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def changed(self) -> list[PulledType]:
        return [t for t in self.types if t.status != "unchanged"]


@dataclass
class _Staged:
    name: str
    envelope: dict[str, Any]
    version: str
    checksum: str
    schema_file: Path | None  # staged bytes; None when unchanged
    meta_name: str | None = None
    size: int | None = None


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of a definitions folder (an empty one when the folder has none)."""
    path = directory / MANIFEST
    if not path.exists():
        return {"product_types": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SchemaError(str(path), "", f"unreadable manifest: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("product_types", {}), dict):
        raise SchemaError(str(path), "/product_types", "the manifest must map product type names to entries")
    data.setdefault("product_types", {})
    return data


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _file_checksum(path: Path) -> str | None:
    try:
        return md5_base64(path.read_bytes())
    except OSError:
        return None


def _meta_schema_name(link: Any) -> str:
    """The meta-schema's file name from its link (Amazon's S3 key names it), or the usual name."""
    try:
        resource = str(link["link"]["resource"])
    except (KeyError, TypeError):
        return DEFAULT_META_SCHEMA_NAME
    for segment in reversed(urlsplit(resource).path.split("/")):
        segment = unquote(segment)
        if segment.endswith(".json") and "/" not in segment and segment not in {MANIFEST}:
            return segment
    return DEFAULT_META_SCHEMA_NAME


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(name, None)
    return list(seen)


def resolve_names(
    client: SpApiClient,
    names: Sequence[str],
    *,
    search: str | None,
    all_types: bool,
    manifest: dict[str, Any],
    marketplace_id: str,
    locale: str,
) -> list[str]:
    """The product types to pull: named ones, search hits, every type (--all), or the manifest's."""
    wanted = [n.strip().upper() for n in names if n.strip()]
    if search or all_types:
        answer = client.definitions.search(
            search if search and not all_types else None, marketplace_ids=[marketplace_id], locale=locale
        )
        found = [str(t["name"]) for t in answer.get("productTypes", []) if isinstance(t, dict) and t.get("name")]
        if search and not found:
            raise ConfigError(f"Amazon found no product type for {search!r} on marketplace {marketplace_id}")
        wanted.extend(found)
    if not wanted:
        wanted = sorted(manifest.get("product_types", {}))
    if not wanted:
        raise ConfigError("nothing to pull: name product types, or use --search KEYWORDS or --all")
    return _unique(wanted)


def pull(
    client: SpApiClient,
    names: Sequence[str] = (),
    *,
    assets_root: Path,
    marketplace_id: str,
    locale: str,
    requirements: str = "LISTING_PRODUCT_ONLY",
    search: str | None = None,
    all_types: bool = False,
    workers: int = DEFAULT_WORKERS,
    progress: PullProgress | None = None,
    now: Callable[[], datetime] = _utc_now,
) -> PullResult:
    """Fetch, verify and store definitions; returns what was new, updated or unchanged.

    Raises UnknownProductTypeError, LwaError, NetworkError, ChecksumMismatchError, AmazonError;
    on any of them nothing under `assets_root` has changed.
    """
    directory = definitions_dir(assets_root, marketplace_id, locale)
    manifest = read_manifest(directory)
    wanted = resolve_names(
        client, names, search=search, all_types=all_types, manifest=manifest,
        marketplace_id=marketplace_id, locale=locale,
    )
    if progress:
        progress.start(len(wanted))
    with tempfile.TemporaryDirectory(prefix="pl-amazon-pull-") as tmp:
        staging = Path(tmp)
        fetcher = _Fetcher(client, staging, directory, manifest, marketplace_id, locale, requirements, progress)
        staged = fetcher.fetch_all(wanted, workers)
        result = PullResult(directory)
        for item in staged:
            result.types.append(_outcome(item, manifest, directory))
        if result.changed:
            _commit(staged, fetcher.meta_files, directory, manifest, marketplace_id, locale, requirements, now(),
                    result)
    return result


class _Fetcher:
    """Fetches definitions concurrently (the client's token buckets keep it within Amazon's limits)."""

    def __init__(self, client: SpApiClient, staging: Path, directory: Path, manifest: dict[str, Any],
                 marketplace_id: str, locale: str, requirements: str, progress: PullProgress | None):
        self.client = client
        self.staging = staging
        self.directory = directory
        self.entries = manifest.get("product_types", {})
        self.marketplace_id = marketplace_id
        self.locale = locale
        self.requirements = requirements
        self.progress = progress
        self.meta_files: dict[str, Path] = {}  # meta-schema file name -> staged file
        self._meta_lock = threading.Lock()
        self._failed = threading.Event()

    def fetch_all(self, names: list[str], workers: int) -> list[_Staged]:
        if workers <= 1 or len(names) <= 1:
            return [self.fetch(name) for name in names]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pull") as pool:
            futures: list[Future[_Staged]] = [pool.submit(self.fetch, name) for name in names]
            done, _pending = wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in futures if f in done and f.exception() is not None]
            if failed:
                self._failed.set()  # running fetches stop at their next step
                for future in futures:
                    future.cancel()
                raise failed[0].exception()  # type: ignore[misc]
            return [f.result() for f in futures]

    def fetch(self, name: str) -> _Staged:
        if self._failed.is_set():
            raise PlAmazonError("pull cancelled")
        try:
            envelope = self.client.definitions.get_definition(
                name, requirements=self.requirements, marketplace_id=self.marketplace_id, locale=self.locale
            )
        except AmazonError as exc:
            if exc.status == 404 or any(str(e.get("code", "")).upper() == "NOT_FOUND" for e in exc.errors):
                raise UnknownAtAmazonError(name, self.marketplace_id) from None
            raise
        try:
            version = str(envelope["productTypeVersion"]["version"])
            checksum = str(envelope["schema"]["checksum"])
            _ = envelope["schema"]["link"]["resource"]  # shape check: a link must be there
        except (KeyError, TypeError):
            raise AmazonError(200, request_id=envelope.request_id, operation="getDefinitionsProductType",
                              message=f"{name}: the definition has no schema link, checksum or version") from None
        entry = self.entries.get(name) or {}
        if (
            entry.get("version") == version
            and entry.get("checksum") == checksum
            and entry.get("requirements") == self.requirements
            and _file_checksum(self.directory / str(entry.get("schema") or f"{name}.json")) == checksum
            and (self.directory / str(entry.get("definition") or f"{name}.definition.json")).exists()
        ):
            if self.progress:
                self.progress.advance(name, "unchanged")
            return _Staged(name, dict(envelope), version, checksum, None)
        data = self.client.definitions.download(envelope["schema"])
        actual = md5_base64(data)
        if actual != checksum:
            raise ChecksumMismatchError(name, "schema", checksum, actual)
        try:
            schema = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SchemaError(f"{name}.json", "", f"the downloaded schema is not JSON: {exc}") from None
        if not isinstance(schema, dict):
            raise SchemaError(f"{name}.json", "", "the downloaded schema is not a JSON object")
        meta_name = self._meta_schema(name, envelope.get("metaSchema"))
        staged = self.staging / f"{name}.json"
        staged.write_bytes(data)
        if self.progress:
            self.progress.advance(name, "new" if not entry else "updated")
        return _Staged(name, dict(envelope), version, checksum, staged, meta_name, len(data))

    def _meta_schema(self, name: str, link: Any) -> str | None:
        """Download the meta-schema once per run (all types share it), checksum verified."""
        if not isinstance(link, dict) or "checksum" not in link:
            return None
        file_name = _meta_schema_name(link)
        with self._meta_lock:
            if file_name in self.meta_files:
                return file_name
            data = self.client.definitions.download(link)
            actual = md5_base64(data)
            if actual != link["checksum"]:
                raise ChecksumMismatchError(name, "meta-schema", str(link["checksum"]), actual)
            path = self.staging / META_SCHEMA_DIR / file_name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            self.meta_files[file_name] = path
            return file_name


def _outcome(item: _Staged, manifest: dict[str, Any], directory: Path) -> PulledType:
    entry = manifest.get("product_types", {}).get(item.name) or {}
    old_version, old_checksum = entry.get("version"), entry.get("checksum")
    if item.schema_file is None:
        return PulledType(item.name, "unchanged", item.version, item.checksum, old_version, old_checksum)
    status = "updated" if entry else "new"
    diff, diff_error = None, None
    old_path = directory / str(entry.get("schema") or f"{item.name}.json")
    if entry and old_path.exists():
        diff, diff_error = _diff(item, old_path)
    return PulledType(item.name, status, item.version, item.checksum, old_version, old_checksum, item.size,
                      diff, diff_error)


def _diff(item: _Staged, old_path: Path) -> tuple[ProductTypeDiff | None, str | None]:
    """The diff from the stored version to the fetched one (a compile failure is reported, not fatal)."""
    from transpiler.amazon.definitions import load_definition
    from transpiler.compiler.product_type import compile_definition, compile_product_type

    assert item.schema_file is not None
    try:
        old = compile_definition(load_definition(old_path))
        new = compile_product_type(
            json.loads(item.schema_file.read_bytes()), envelope=item.envelope, name=item.name,
            source=f"{item.name}.json", checksum=item.checksum,
        )
    except PlAmazonError as exc:
        return None, exc.one_line()
    return diff_product_types(old, new), None


def _atomic_write(path: Path, data: bytes) -> None:
    """Write `path` so readers see the old or the new file, never half of one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_bytes(data: Any, *, sort_keys: bool = False) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=sort_keys) + "\n").encode("utf-8")


def _commit(
    staged: list[_Staged],
    meta_files: dict[str, Path],
    directory: Path,
    manifest: dict[str, Any],
    marketplace_id: str,
    locale: str,
    requirements: str,
    fetched_at: datetime,
    result: PullResult,
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for file_name, path in sorted(meta_files.items()):
        target = directory / META_SCHEMA_DIR / file_name
        target.parent.mkdir(exist_ok=True)
        _atomic_write(target, path.read_bytes())
        result.written.append(target)
    entries = dict(manifest.get("product_types", {}))
    stamp = fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for item in staged:
        if item.schema_file is None:
            continue
        schema_name, definition_name = f"{item.name}.json", f"{item.name}.definition.json"
        envelope = item.envelope
        # links expire after 7 days and carry temporary credentials: point them at the local files
        envelope["schema"] = {**envelope["schema"], "link": {**envelope["schema"]["link"], "resource": schema_name}}
        if item.meta_name and isinstance(envelope.get("metaSchema"), dict):
            meta = envelope["metaSchema"]
            envelope["metaSchema"] = {**meta, "link": {**meta.get("link", {}),
                                                       "resource": f"{META_SCHEMA_DIR}/{item.meta_name}"}}
        _atomic_write(directory / schema_name, item.schema_file.read_bytes())
        _atomic_write(directory / definition_name, _json_bytes(envelope))
        result.written.extend([directory / schema_name, directory / definition_name])
        entries[item.name] = {
            "checksum": item.checksum,
            "definition": definition_name,
            "fetched_at": stamp,
            "requirements": requirements,
            "schema": schema_name,
            "version": item.version,
        }
    document = {**manifest, "locale": locale, "marketplace_id": marketplace_id, "product_types": entries}
    _atomic_write(directory / MANIFEST, _json_bytes(document, sort_keys=True))
    result.written.append(directory / MANIFEST)

