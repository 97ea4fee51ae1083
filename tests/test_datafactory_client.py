"""The Data Factory client against the stand-in: two independent implementations of one contract.

Rate limits and backoff run on the stand-in's clock (the client sleeps by moving it forward), so
these tests never wait for a real minute.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import httpx
import pytest

from tests.datafactory_fixtures import productlive_settings
from transpiler.config import Secret
from transpiler.datafactory.api import DataFactoryClient, ExpiredFileError, ProductLiveError, _list_rows
from transpiler.datafactory.definitions import TASKS
from transpiler.datafactory.rate_limit import RequestWindow
from transpiler.datafactory.settings import ProductLiveSettings
from transpiler.datafactory.standin.runner import StandInHandle, start_standin
from transpiler.datafactory.worker import declare_tasks
from transpiler.spapi.retry import RetryPolicy

#: the stand-in (and the sandbox) on real loopback ports
pytestmark = pytest.mark.socket

def virtual_client(standin: StandInHandle, per_minute: int) -> DataFactoryClient:
    """A client whose window and backoff run on the stand-in's clock: sleeping moves that clock."""
    clock = standin.factory.clock
    window = RequestWindow(per_minute, clock=clock.now, sleep=clock.advance)
    return DataFactoryClient(productlive_settings(standin, per_minute), window=window, sleep=clock.advance,
                             policy=RetryPolicy(rng=random.Random(7)))


def test_declares_the_tasks_once_and_updates_changed_ones(standin: StandInHandle) -> None:
    client = DataFactoryClient(productlive_settings(standin))
    ids = declare_tasks(client, TASKS)
    assert set(ids) == {t.key for t in TASKS}
    assert declare_tasks(client, TASKS) == ids  # a second worker finds them
    listed = client.list_tasks()
    assert len(listed) == len(TASKS)
    publish = next(t for t in listed if t["key"] == "amazon-publish")
    assert publish["concurrentExecLimit"] == 1 and publish["retryCount"] >= 1
    assert publish["responseTimeoutSeconds"] <= publish["timeoutSeconds"]
    # someone changed the definition in the account: the worker puts it back
    client.update_task(publish["id"], {**publish, "concurrentExecLimit": 5})
    declare_tasks(client, TASKS)
    again = next(t for t in client.list_tasks() if t["key"] == "amazon-publish")
    assert again["concurrentExecLimit"] == 1 and again["id"] == publish["id"]


def test_lists_every_page(standin: StandInHandle) -> None:
    client = DataFactoryClient(productlive_settings(standin), page_size=10)
    for n in range(25):
        client.create_task({"key": f"task-{n:03d}"})
    assert sorted(t["key"] for t in client.list_tasks()) == [f"task-{n:03d}" for n in range(25)]


def test_list_answers_of_any_common_shape() -> None:
    row = {"id": "1", "key": "k"}
    for body in ([row], {"data": [row]}, {"items": [row]}, {"content": [row]}):
        assert _list_rows(body) == [row]
    assert _list_rows({"unexpected": 1}) == []


def test_stays_within_the_requests_per_minute(tmp_path: Path) -> None:
    """Same window on both sides (the documented 50, scaled down to 20 to keep the test short)."""
    with start_standin(data=tmp_path, per_minute=20) as standin:
        client = virtual_client(standin, 20)
        started = standin.factory.clock.now()
        for _ in range(45):
            assert client.poll("no-such-task") is None  # 404: nothing to do
        elapsed = standin.factory.clock.now() - started
        limit = standin.call("GET", "/_datafactory/rate-limit").json()
    assert limit["refused"] == 0  # the client waited for slots instead of collecting 429s
    assert elapsed >= 120  # 45 requests at 20 per minute need two full windows


def test_backs_off_on_429_and_gets_through(tmp_path: Path) -> None:
    """A client that believes it has more room than the server (another worker on the same key)."""
    with start_standin(data=tmp_path, per_minute=10) as standin:
        client = virtual_client(standin, 1000)
        for n in range(25):
            client.create_task({"key": f"t{n}"})
        refused = standin.call("GET", "/_datafactory/rate-limit").json()["refused"]
        assert refused > 0
        assert len({t["key"] for t in client.list_tasks()}) == 25  # every call eventually succeeded


def test_refused_key_is_a_clear_error_without_the_key(standin: StandInHandle) -> None:
    bad = ProductLiveSettings(standin.url, Secret("wrong-key-123456"), 100)
    with pytest.raises(ProductLiveError) as caught:
        DataFactoryClient(bad).list_tasks()
    assert caught.value.status == 401
    assert "wrong-key-123456" not in str(caught.value)
    assert "PL_PRODUCTLIVE_API_KEY" in str(caught.value)


def test_server_errors_are_retried_then_reported() -> None:
    calls: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) <= 2:
            return httpx.Response(503, json={"statusCode": 503, "message": "busy"})
        return httpx.Response(200, json={"object": "list", "data": [], "totalElements": 0})

    settings = ProductLiveSettings("https://pl.test", Secret("k" * 20), 50)
    client = DataFactoryClient(settings, http=httpx.Client(transport=httpx.MockTransport(flaky)),
                               sleep=lambda s: None, policy=RetryPolicy(rng=random.Random(1)))
    assert client.list_tasks() == []
    assert len(calls) == 3

    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"statusCode": 500, "message": "internal error"})

    client = DataFactoryClient(settings, http=httpx.Client(transport=httpx.MockTransport(broken)),
                               sleep=lambda s: None, policy=RetryPolicy(max_attempts=3, rng=random.Random(1)))
    with pytest.raises(ProductLiveError) as caught:
        client.poll("abc")
    assert caught.value.status == 500 and caught.value.operation == "pollTaskExecution"


def test_poll_is_none_when_nothing_to_do_and_hands_an_execution_once(standin: StandInHandle) -> None:
    client = DataFactoryClient(productlive_settings(standin))
    ids = declare_tasks(client, TASKS)
    assert client.poll(ids["amazon-publish"]) is None
    standin.seed_structure((Path("generated") / "productlive" / "AMAZON_FR.xml").read_bytes())
    standin.seed_items("AMAZON_FR", b'<Table key="AMAZON_FR"><Items/></Table>')
    job = client.start_job("amazon-publish", {"mode": "create"})
    assert job["status"] in ("PENDING", "RUNNING") and job["jobId"] == "amazon-publish"
    polled = client.poll(ids["amazon-publish"])
    assert polled is not None and polled.input["mode"] == "create"
    assert polled.input["file"]["object"] == "data_factory_file"
    assert client.poll(ids["amazon-publish"]) is None  # handed out once
    client.report(polled.id, "FAILED", {"message": "essai"})
    with pytest.raises(ProductLiveError) as caught:  # a second report is refused
        client.report(polled.id, "COMPLETED", {})
    assert caught.value.status == 409


def test_upload_download_and_expired_link(tmp_path: Path) -> None:
    with start_standin(data=tmp_path / "data", per_minute=0, file_url_ttl=60) as standin:
        client = DataFactoryClient(productlive_settings(standin))
        source = tmp_path / "report.json"
        source.write_text(json.dumps({"a": "é"}), encoding="utf-8")
        uploaded = client.upload_file(source)
        assert uploaded["object"] == "data_factory_file" and uploaded["url"].startswith(standin.url)
        assert client.download(uploaded, tmp_path / "one").read_bytes() == source.read_bytes()
        standin.advance_clock(120)  # the link in `uploaded` is now stale
        assert httpx.get(uploaded["url"]).status_code == 403
        assert client.download(uploaded, tmp_path / "two").read_bytes() == source.read_bytes()  # renewed by id
        with pytest.raises(ExpiredFileError):
            client.download(uploaded["url"], tmp_path / "three")  # a bare link cannot be renewed


def test_the_key_never_goes_to_another_host() -> None:
    seen: dict[str, httpx.Headers] = {}

    def record(request: httpx.Request) -> httpx.Response:
        seen[request.url.host] = request.headers
        return httpx.Response(200, content=b"<Table/>")

    settings = ProductLiveSettings("https://api.pl.test", Secret("secret-key-0123456789"), 50)
    client = DataFactoryClient(settings, http=httpx.Client(transport=httpx.MockTransport(record)))
    client.download({"url": "https://storage.example/file.xml?sig=1"}, Path("/dev/null"))
    client.download({"url": "https://api.pl.test/v1/data_factory/files/1/content"}, Path("/dev/null"))
    assert "x-api-key" not in seen["storage.example"]
    assert seen["api.pl.test"]["x-api-key"] == "secret-key-0123456789"
