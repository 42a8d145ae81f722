"""The local Qiskit Functions gateway, driven only by the unmodified qiskit-serverless client.

Each function is a folder written by the test and uploaded with ``ServerlessClient.upload``
(the client tars the folder itself); it runs in a subprocess of the local cloud with the
contract the client's helpers read (``get_arguments``, ``save_result``, ``update_status``,
``DATA_PATH``). Credentials are the local IBM platform's API keys and CRNs.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_quantum.local.ibm.accounts import local_crn
from pulumi_quantum.local.ibm.platform.env import PLATFORM_URL
from pulumi_quantum.local.server import LocalCloud
from tests.polling import wait_until

qiskit_serverless = pytest.importorskip("qiskit_serverless")  # the dev extra's client
from qiskit_serverless import QiskitFunction, ServerlessClient  # noqa: E402
from qiskit_serverless.exception import QiskitServerlessException  # noqa: E402

ALICE_KEY, BOB_KEY = "local-ibm-apikey-alice", "local-ibm-apikey-bob"
ALICE_CRN, BOB_CRN = local_crn("alice"), local_crn("bob")
TERMINAL = ("DONE", "ERROR", "CANCELED")
JOB_SECONDS = 90  # a function's interpreter imports qiskit-serverless (and ray): seconds


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    with LocalCloud(tmp_path_factory.mktemp("gateway")) as running:
        yield running


def _client(cloud: LocalCloud, key: str = ALICE_KEY, crn: str = ALICE_CRN) -> ServerlessClient:
    return ServerlessClient(host=cloud.endpoints["gateway"], token=key, instance=crn)


def _folder(root: Path, source: str, **extra: str) -> str:
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.py").write_text(textwrap.dedent(source), encoding="utf-8")
    for name, text in extra.items():
        (root / name).write_text(text, encoding="utf-8")
    return str(root)


def _finished(job: Any) -> str:
    return wait_until(lambda: job.status() if job.status() in TERMINAL else None, JOB_SECONDS)


DOUBLE = """
    from qiskit_serverless import get_arguments, save_result, update_status
    import os, helper

    args = get_arguments()
    print("function got", args["x"])
    print("greeting", os.environ.get("GREETING"), "canary", os.environ.get("PQ_GATEWAY_CANARY"))
    update_status("POST_PROCESSING")
    with open(os.path.join(os.environ["DATA_PATH"], "out.txt"), "w") as fh:
        fh.write(helper.NOTE)
    save_result({"doubled": args["x"] * 2, "note": helper.NOTE})
"""


def test_upload_list_get_by_title_run_result_logs_files(
    cloud: LocalCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PQ_GATEWAY_CANARY", "a secret of the server")  # must not reach the job
    client = _client(cloud)
    folder = _folder(tmp_path / "double", DOUBLE, **{"helper.py": "NOTE = 'from helper'\n"})
    uploaded = client.upload(
        QiskitFunction(
            title="double",
            entrypoint="main.py",
            working_dir=folder,
            version="1.0.0",
            description="doubles x",
            env_vars={"GREETING": "hello"},
        )
    )
    assert (uploaded.title, uploaded.version, uploaded.description) == (
        "double",
        "1.0.0",
        "doubles x",
    )
    assert "double" in [f.title for f in client.functions()]
    function = client.function("double")
    assert (function.title, function.entrypoint) == ("double", "main.py")
    assert function.env_vars is None  # env vars are secrets: never answered back

    job = function.run(x=21)
    assert _finished(job) == "DONE"
    assert job.result() == {"doubled": 42, "note": "from helper"}
    assert "function got 21" in job.logs()
    assert "greeting hello canary None" in job.logs()  # env_vars in, server environment out
    events = job.events()
    assert any(e.data.get("sub_status") == "POST_PROCESSING" for e in events)
    assert job.job_id in [j.job_id for j in client.jobs()]

    # DATA_PATH is the caller's files folder of the function: the files API sees what it wrote.
    assert client.files(function) == ["out.txt"]
    local = tmp_path / "mine.txt"
    local.write_text("uploaded by the user", encoding="utf-8")
    client.file_upload(str(local), function)
    assert client.files(function) == ["mine.txt", "out.txt"]
    name = client.file_download("out.txt", function, download_location=str(tmp_path))
    assert (tmp_path / name).read_text(encoding="utf-8") == "from helper"
    client.file_delete("mine.txt", function)
    assert client.files(function) == ["out.txt"]


def test_second_upload_replaces_the_first(cloud: LocalCloud, tmp_path: Path) -> None:
    client = _client(cloud)
    first = "from qiskit_serverless import save_result\nsave_result({'v': 1})\n"
    second = "from qiskit_serverless import save_result\nsave_result({'v': 2})\n"
    client.upload(
        QiskitFunction(
            title="upsert", entrypoint="main.py", working_dir=_folder(tmp_path / "a", first),
            version="1.0.0",
        )
    )  # fmt: skip
    client.upload(
        QiskitFunction(
            title="upsert", entrypoint="main.py", working_dir=_folder(tmp_path / "b", second),
            version="1.1.0",
        )
    )  # fmt: skip
    assert [f.title for f in client.functions()].count("upsert") == 1
    function = client.function("upsert")
    assert function.version == "1.1.0"
    job = function.run()
    assert _finished(job) == "DONE"
    assert job.result() == {"v": 2}


def test_dependencies_must_be_pinned_to_the_allow_list(cloud: LocalCloud, tmp_path: Path) -> None:
    client = _client(cloud)
    allowed = client.dependencies_versions()
    qiskit_pin = next(p for p in allowed if p.startswith("qiskit=="))
    folder = _folder(tmp_path / "deps", "print('hi')\n")

    def upload(title: str, deps: list[str]) -> Any:
        return client.upload(
            QiskitFunction(title=title, entrypoint="main.py", working_dir=folder, dependencies=deps)
        )

    with pytest.raises(QiskitServerlessException, match="not on the allow-list"):
        upload("deps-unknown", ["left-pad-for-python==1.0.0"])
    with pytest.raises(QiskitServerlessException, match="not pinned with '=='"):
        upload("deps-unpinned", ["qiskit>=1"])
    with pytest.raises(QiskitServerlessException, match="is not available"):
        upload("deps-other-release", ["qiskit==0.1.0"])
    titles = [f.title for f in client.functions()]
    assert not [t for t in titles if t.startswith("deps-")]  # nothing half-created
    assert upload("deps-ok", [qiskit_pin]).dependencies == [qiskit_pin]


def test_bad_version_and_missing_entrypoint_are_refused(cloud: LocalCloud, tmp_path: Path) -> None:
    client = _client(cloud)
    folder = _folder(tmp_path / "ver", "print('hi')\n")
    with pytest.raises(QiskitServerlessException, match=r"version: '1\.0' is not in the x\.y\.z"):
        client.upload(
            QiskitFunction(title="badver", entrypoint="main.py", working_dir=folder, version="1.0")
        )
    assert "badver" not in [f.title for f in client.functions()]


def test_a_failing_function_reports_error_with_its_traceback(
    cloud: LocalCloud, tmp_path: Path
) -> None:
    client = _client(cloud)
    folder = _folder(tmp_path / "boom", "raise ValueError('boom from the function')\n")
    function = client.upload(QiskitFunction(title="boom", entrypoint="main.py", working_dir=folder))
    job = function.run()
    assert _finished(job) == "ERROR"
    with pytest.raises(QiskitServerlessException, match="boom from the function"):
        job.result()


SLOW = """
    import time
    print("started", flush=True)
    for _ in range(6000):
        time.sleep(0.1)
"""


def test_stop_a_long_job(
    cloud: LocalCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qiskit_ibm_runtime import QiskitRuntimeService

    client = _client(cloud)
    function = client.upload(
        QiskitFunction(
            title="slow", entrypoint="main.py", working_dir=_folder(tmp_path / "s", SLOW)
        )
    )
    job = function.run()
    wait_until(lambda: "started" in job.logs(), JOB_SECONDS)
    assert job.status() == "RUNNING"
    # Without ``service`` the client builds a QiskitRuntimeService for IBM's own URL; give it
    # one on the local platform instead (qiskit-ibm-runtime reaches it through its proxy).
    for key, value in cloud.platform_env().items():
        monkeypatch.setenv(key, value)
    service = QiskitRuntimeService(
        channel="ibm_quantum_platform", token=ALICE_KEY, instance=ALICE_CRN, url=PLATFORM_URL
    )
    assert job.cancel(service) == "Job has been stopped."
    assert job.status() == "CANCELED"
    assert job.cancel(service) == "Job already in terminal state."
    assert any(e.context == "STOP" for e in job.events())


def test_tenants_see_only_their_own_functions_and_jobs(cloud: LocalCloud, tmp_path: Path) -> None:
    alice, bob = _client(cloud), _client(cloud, BOB_KEY, BOB_CRN)
    folder = _folder(tmp_path / "mine", "print('alice only')\n")
    function = alice.upload(
        QiskitFunction(title="alice-only", entrypoint="main.py", working_dir=folder)
    )
    job = function.run()
    assert "alice-only" not in [f.title for f in bob.functions()]
    with pytest.raises(QiskitServerlessException, match="was not found"):
        bob.function("alice-only")
    with pytest.raises(QiskitServerlessException, match="not found"):
        bob.run("alice-only")
    with pytest.raises(QiskitServerlessException, match="not found"):
        bob.job(job.job_id)
    assert job.job_id not in [j.job_id for j in bob.jobs()]
    # bob's API key with alice's instance: the client's credential check fails at construction.
    with pytest.raises(QiskitServerlessException, match="Credentials couldn't be verified"):
        _client(cloud, BOB_KEY, ALICE_CRN)
    with pytest.raises(QiskitServerlessException, match="Credentials couldn't be verified"):
        _client(cloud, "not-a-key", ALICE_CRN)
    assert _finished(job) == "DONE"


def test_client_env_points_serverless_client_at_the_gateway(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = cloud.client_env()
    for key in ("ENV_GATEWAY_PROVIDER_HOST", "ENV_GATEWAY_PROVIDER_TOKEN"):
        monkeypatch.setenv(key, env[key])
    client = ServerlessClient(instance=env["QISKIT_SERVERLESS_INSTANCE"])  # host, token: env
    assert client.host == cloud.endpoints["gateway"]
    assert isinstance(client.functions(), list)
    # IBMServerlessClient: the same with IBM's account handling; its host defaults to IBM's.
    ibm = qiskit_serverless.IBMServerlessClient(
        token=ALICE_KEY, instance=ALICE_CRN, host=cloud.endpoints["gateway"]
    )
    assert ibm.dependencies_versions() == client.dependencies_versions()


def test_a_job_over_its_time_limit_is_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PQ_LOCAL_GATEWAY_MAX_SECONDS", "2")
    with LocalCloud(tmp_path / "data") as short:
        client = _client(short)
        folder = _folder(tmp_path / "forever", SLOW)
        job = client.upload(
            QiskitFunction(title="forever", entrypoint="main.py", working_dir=folder)
        ).run()
        assert _finished(job) == "ERROR"
        assert "maximum execution time of 2 seconds" in job.logs()
        assert not os.path.exists(tmp_path / "data" / "gateway" / "jobs" / job.job_id)


def test_functions_and_port_survive_a_restart_and_a_running_job_is_failed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with LocalCloud(data) as first:
        client = _client(first)
        folder = _folder(tmp_path / "kept", SLOW)
        job = client.upload(
            QiskitFunction(title="kept", entrypoint="main.py", working_dir=folder, version="2.0.0")
        ).run()
        wait_until(lambda: "started" in job.logs(), JOB_SECONDS)
        url = first.endpoints["gateway"]
    with LocalCloud(data) as second:
        assert second.endpoints["gateway"] == url  # exported ENV_GATEWAY_PROVIDER_HOST stays valid
        client = _client(second)
        assert client.function("kept").version == "2.0.0"
        again = client.job(job.job_id)
        assert again.status() == "ERROR"
        assert "stopped while this job was running" in again.logs()


SAMPLE = """
    from qiskit import QuantumCircuit, transpile
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_serverless import get_runtime_service, save_result

    service = get_runtime_service()  # QISKIT_IBM_* the gateway hands the job
    backend = service.backend("ibm_loopback_5q")
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    job = SamplerV2(mode=backend).run([transpile(qc, backend, seed_transpiler=7)], shots=200)
    counts = job.result()[0].data.meas.get_counts()
    save_result({"outcomes": sorted(counts), "runtime_job": job.job_id()})
"""


def test_a_function_runs_primitives_on_the_local_platform(
    cloud: LocalCloud, tmp_path: Path
) -> None:
    client = _client(cloud)
    folder = _folder(tmp_path / "sample", SAMPLE)
    job = client.upload(
        QiskitFunction(title="sample", entrypoint="main.py", working_dir=folder)
    ).run()
    assert _finished(job) == "DONE", job.logs()
    result = job.result()
    assert result["outcomes"] == ["00", "11"]
    assert job.runtime_jobs() == [result["runtime_job"]]  # associated by ServerlessRuntimeService


def test_provider_functions_are_uploaded_by_admins_and_run_by_anyone(
    cloud: LocalCloud, tmp_path: Path
) -> None:
    alice, bob = _client(cloud), _client(cloud, BOB_KEY, BOB_CRN)  # alice admins local-provider
    source = (
        "from qiskit_serverless import save_result\nprint('provider code')\nsave_result({'p': 1})\n"
    )
    folder = _folder(tmp_path / "prov", source)
    uploaded = alice.upload(
        QiskitFunction(title="local-provider/pfn", entrypoint="main.py", working_dir=folder)
    )
    assert (uploaded.provider, uploaded.title) == ("local-provider", "pfn")
    with pytest.raises(QiskitServerlessException, match="not an admin of provider"):
        bob.upload(
            QiskitFunction(title="local-provider/pfn", entrypoint="main.py", working_dir=folder)
        )
    # bob's own function of the same title is another function (the key is owner + title).
    bob.upload(
        QiskitFunction(
            title="pfn", entrypoint="main.py", working_dir=_folder(tmp_path / "b", "print(2)\n")
        )
    )
    seen = bob.function("pfn", provider="local-provider")
    assert seen.provider == "local-provider"
    job = seen.run()
    assert _finished(job) == "DONE" and job.result() == {"p": 1}
    assert job.job_id in [j.job_id for j in alice.provider_jobs(seen)]
    assert job.job_id not in [j.job_id for j in alice.jobs()]  # not alice's own job
    assert "provider code" in alice.provider_logs(job.job_id)
    with pytest.raises(QiskitServerlessException, match="not an admin of provider"):
        bob.provider_jobs(seen)
