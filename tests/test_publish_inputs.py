"""`publish` on inputs a user should not have given, and on runs that fail part way.

Duplicate SKUs, SKUs over Amazon's length, an export of another table, half-written files left by a
killed run, and failures injected through the public seams (an HTTP transport that raises, an
output folder that cannot be written, a journal that is not one, Ctrl-C): every case ends with a
clear answer, and nothing stays open or half-written.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from tests.sandbox_fixtures import client_for, settings_for
from tests.test_publish_sandbox import report, stored, subset
from transpiler.errors import PlAmazonError
from transpiler.mapping import publication
from transpiler.productlive.gtin import check_digit
from transpiler.productlive.items import read_items
from transpiler.publish.journal import Journal, JournalError
from transpiler.publish.listing import MAX_SKU_CHARS, PL_DUPLICATE_SKU, PL_SKU
from transpiler.publish.output import Progress
from transpiler.publish.run import PublishOptions, journal_path, publish
from transpiler.sandbox.runner import SandboxHandle

FIRST, OTHER = "MDL-S24-256-NOIR", "MDL-COQUE-S24-NOIR"


def _with_items(path: Path, *extra: etree._Element) -> Path:
    tree = etree.parse(str(path))
    tree.getroot().find("Items").extend(extra)
    tree.write(str(path), xml_declaration=True, encoding="utf-8")
    return path


def _copy_of(path: Path, sku: str, new_sku: str | None = None, title: str | None = None) -> etree._Element:
    """A copy of the model item holding the article `sku` (the export nests model ▸ colour ▸ article),
    with the article's SKU renamed (and the model's PARENT_SKU, so that only the article is new) or
    the model's title changed."""
    model = next(m for m in etree.parse(str(path)).getroot().find("Items")
                 if m.find(f".//Identifier[@key='SKU'][.='{sku}']") is not None)
    if new_sku is not None:
        model.find(f".//Identifier[@key='SKU'][.='{sku}']").text = new_sku
        parent = model.find("Identifier[@key='PARENT_SKU']")
        if parent is not None:
            parent.text = f"{parent.text}-{len(new_sku)}"
    if title is not None:
        model.find("Field[@key='item_name']").text = title
    return model


def _lines(path: Path) -> dict[str, list[int]]:
    """The line of each article item, by SKU."""
    lines: dict[str, list[int]] = {}
    for item in etree.parse(str(path)).getroot().find("Items").iter("Item"):
        sku = item.findtext("Identifier[@key='SKU']")
        if sku is not None:
            lines.setdefault(sku, []).append(item.sourceline)
    return lines


# -- duplicate SKUs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("via", ["listings", "feed"])
def test_second_occurrence_of_a_sku_is_invalid_and_never_sent(publish_run: Any, sandbox: SandboxHandle,
                                                              tmp_path: Path, via: str) -> None:
    path = subset([FIRST, OTHER], tmp_path)
    _with_items(path, _copy_of(path, FIRST, title="Un autre titre, qui ne doit jamais partir"))
    first_line, second_line = _lines(path)[FIRST]
    result = publish_run(sandbox, tmp_path, items=path, via=via)
    items = json.loads(result.report_path.read_text(encoding="utf-8"))["items"]
    answers = [i for i in items if i["sku"] == FIRST]
    assert [a["status"] for a in sorted(answers, key=lambda a: a["index"])] == ["ACCEPTED", "INVALID"]
    duplicate = max(answers, key=lambda a: a["index"])
    assert duplicate["operation"] is None
    [issue] = [i for i in duplicate["issues"] if i["code"] == PL_DUPLICATE_SKU]
    assert issue["fields"] == ["SKU"] and f"ligne {first_line}" in issue["message"]
    assert second_line > first_line
    # Amazon holds the first occurrence's listing, never the second's
    assert "jamais" not in stored(sandbox)[FIRST]["attributes"]["item_name"][0]["value"]
    # one row per SKU in the acknowledgement, carrying the first occurrence's answer
    rows = [i for top in read_items(result.acknowledgements_path) for i in (top, *top.descendants())
            if i.identifier("SKU") == FIRST]
    assert len(rows) == 1 and rows[0].first(publication.STATUS) == "ACCEPTED"
    assert result.summary["statuses"]["INVALID"] == 1 and result.exit_code == 1


# -- SKU length -------------------------------------------------------------------------------------

def test_sku_over_amazons_limit_is_invalid_locally(publish_run: Any, sandbox: SandboxHandle, tmp_path: Path) -> None:
    longest, too_long = "L" * MAX_SKU_CHARS, "T" * (MAX_SKU_CHARS + 1)
    path = subset([FIRST], tmp_path)
    body = f"3760{12345678:08d}"
    ean = body + str(check_digit(body))
    longest_item = _copy_of(path, FIRST, longest)
    longest_item.find(".//Identifier[@key='EAN']").text = ean
    _with_items(path, longest_item, _copy_of(path, FIRST, too_long))
    result = publish_run(sandbox, tmp_path, items=path, via="listings")
    items = report(result)
    assert items[longest]["status"] == "ACCEPTED"
    assert items[too_long]["status"] == "INVALID" and items[too_long]["operation"] is None
    assert [(i["code"], i["fields"]) for i in items[too_long]["issues"]] == [(PL_SKU, ["SKU"])]
    assert too_long not in stored(sandbox)


# -- another table ----------------------------------------------------------------------------------

def test_export_of_another_table_is_a_file_error(publish_run: Any, sandbox: SandboxHandle, tmp_path: Path) -> None:
    path = subset([FIRST], tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace('<Table key="AMAZON_FR"', '<Table key="CATALOGUE"'),
                    encoding="utf-8")
    result = publish_run(sandbox, tmp_path, items=path, via="listings")
    assert result.summary["items"] == 0 and len(result.file_errors) == 1
    assert "CATALOGUE" in result.file_errors[0] and result.exit_code == 1
    assert stored(sandbox) == {}


# -- half-written files of a killed run --------------------------------------------------------------

def test_half_written_files_of_a_killed_run_are_removed(publish_run: Any, sandbox: SandboxHandle,
                                                        tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process that existed and is no more: the run that was killed
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        out = tmp_path / "out"
        out.mkdir()
        left = [out / f".acknowledgements.xml.{gone.pid}.part", out / f".report.json.{gone.pid}.part"]
        busy = out / f".report.json.{alive.pid}.part"  # another run still writing here
        for part in (*left, busy):
            part.write_text("<Table", encoding="utf-8")
        publish_run(sandbox, tmp_path, items=subset([FIRST], tmp_path), via="listings")
        assert not any(p.exists() for p in left) and busy.exists()
        assert sorted(p.name for p in out.iterdir()) == sorted(["acknowledgements.xml", "report.json", busy.name])
    finally:
        alive.kill()
        alive.wait()


# -- failures part way: nothing stays open ---------------------------------------------------------

def _open_files() -> set[str]:
    """What this process has open (Linux): files, sockets, pipes."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone already
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
    return found


class _Failing(httpx.BaseTransport):
    """The sandbox's transport, raising `error` on the `after`-th listing submission."""

    def __init__(self, inner: httpx.BaseTransport, error: BaseException, after: int):
        self.inner, self.error, self.after, self.calls = inner, error, after, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method in ("PUT", "PATCH") and "/listings/" in request.url.path:
            self.calls += 1
            if self.calls == self.after:
                raise self.error
        return self.inner.handle_request(request)


class _Interrupted(Progress):
    """Ctrl-C while the third item is read."""

    def __init__(self) -> None:
        self.read = 0

    def item(self) -> None:
        self.read += 1
        if self.read == 3:
            raise KeyboardInterrupt


@pytest.fixture
def publish_with(workspace_for: Any) -> Any:
    """`publish()` on the sandbox with a progress callback or a client of the test's own."""

    def run(sandbox: SandboxHandle, tmp_path: Path, items: Path, *, client: Any = None,
            progress: Progress | None = None, **options: Any) -> Any:
        values = {"out_dir": tmp_path / "out", "journal": tmp_path / "journal.sqlite3", "follow_up_delay": 0.3,
                  "follow_up_timeout": 10.0, "via": "listings", **options}
        return publish(items, workspace_for(sandbox), PublishOptions(**values), client=client or client_for(sandbox),
                       clock=sandbox.now, sleep=sandbox.sleep, progress=progress)

    return run


SKUS = [FIRST, OTHER, "MDL-WH1000XM5-ARGENT", "MDL-A55-128-BLEU"]


@pytest.mark.parametrize("failure", ["transport", "interrupt", "output", "journal"])
def test_every_failure_closes_the_journal_and_the_writers(publish_with: Any, sandbox: SandboxHandle,
                                                         tmp_path: Path, failure: str) -> None:
    items = subset(SKUS, tmp_path)
    client = client_for(sandbox, http=httpx.Client(transport=_Failing(sandbox.transport(), RuntimeError("panne"), 3)))
    client_for(sandbox).close()  # what the process holds after one ordinary client: the baseline
    before = _open_files()
    if failure == "output":
        (tmp_path / "out").write_text("not a folder", encoding="utf-8")
    if failure == "journal":
        (tmp_path / "journal.sqlite3").write_bytes(b"this is not SQLite" * 100)
    expected = {"transport": RuntimeError, "interrupt": KeyboardInterrupt, "output": OSError,
                "journal": JournalError}[failure]
    with pytest.raises(expected) as caught:
        publish_with(sandbox, tmp_path, items, client=client if failure == "transport" else None,
                 progress=_Interrupted() if failure == "interrupt" else None)
    client.close()
    # checked while the traceback (and every local of the failed run) is still alive: what is not
    # closed explicitly would still be open here
    leaked = {f for f in _open_files() - before if not f.startswith(("socket:", "pipe:", "anon_inode:"))}
    assert leaked == set(), caught.value
    if failure in ("transport", "interrupt"):
        out = tmp_path / "out"
        assert not list(out.glob("*.part")) and not (out / "report.json").exists()
        # the journal says the run did not finish: a plain rerun is refused, --resume finishes it
        with pytest.raises(JournalError):
            publish_with(sandbox, tmp_path, items)
        result = publish_with(sandbox, tmp_path, items, resume=True)
        assert {sku: a["status"] for sku, a in report(result).items()} == dict.fromkeys(SKUS, "ACCEPTED")


def test_a_journal_of_another_target_is_closed_again(sandbox: SandboxHandle, tmp_path: Path) -> None:
    path, target = journal_path(settings_for(sandbox), PublishOptions(journal=tmp_path / "j.sqlite3"))
    Journal(path, "someone-else").close()
    before = _open_files()
    with pytest.raises(JournalError):
        Journal(path, target)
    assert _open_files() == before


@pytest.mark.parametrize("kind", ["fifo", "device", "missing"])
def test_unreadable_export_is_refused_before_anything_starts(publish_with: Any, sandbox: SandboxHandle,
                                                             tmp_path: Path, kind: str) -> None:
    path = {"fifo": tmp_path / "fifo", "device": Path("/dev/zero"), "missing": tmp_path / "none.xml"}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    with pytest.raises(PlAmazonError) as caught:
        publish_with(sandbox, tmp_path, path)
    assert caught.value.exit_code == 2
    assert not (tmp_path / "journal.sqlite3").exists() and not (tmp_path / "out").exists()
