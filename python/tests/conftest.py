"""Fixtures: one live ipfrs server for the session (free port, temporary store), clients over each of the
client's transport paths, the shared fixture files, a seeded RNG and a TCP proxy that can drop connections."""
from __future__ import annotations

import os
import random
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
# The package from the checkout, unless a test run installed it (then that copy is what runs).
try:
    import ipfrs  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "python" / "src"))
import ipfrs  # noqa: E402


def fixtures_dir() -> Path:
    """The one place the fixture folder is resolved: $IPFRS_FIXTURES, else tests/fixtures, else ../shared/fixtures."""
    if os.environ.get("IPFRS_FIXTURES"):
        return Path(os.environ["IPFRS_FIXTURES"])
    inside = REPO / "tests" / "fixtures"
    return inside if inside.is_dir() else REPO.parent / "shared" / "fixtures"


FIXTURES = fixtures_dir()
ABUSE = FIXTURES / "syoyo-safetensors-cpp" / "safetensors_abuse_attempt_1.safetensors"


def fixture_files() -> List[Path]:
    found = [p for p in sorted(FIXTURES.glob("*/*")) if p.suffix in (".safetensors", ".npy") and p != ABUSE]
    return found


class Server:
    def __init__(self, store: Path, args: Optional[List[str]] = None) -> None:
        self.store = store
        node = shutil.which("node") or "node"
        self.process = subprocess.Popen(
            [node, "--import", "tsx", str(REPO / "src" / "cli.ts"), "serve", "--store", str(store), "--port", "0",
             "--no-demo", "--log-level", "warn", *(args or [])],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.output: List[str] = []
        deadline = time.monotonic() + 60
        self.url = ""
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.output.append(line)
            if " on http://" in line:
                self.url = line.split(" on ", 1)[1].split()[0]
                break
        if not self.url:
            self.stop()
            raise RuntimeError(f"ipfrs serve did not start: {''.join(self.output)}")
        # Keep reading both pipes so the server never blocks on a full one.
        for pipe in (self.process.stdout, self.process.stderr):
            threading.Thread(target=self._drain, args=(pipe,), daemon=True).start()
        self.admin_token = (store / "admin-token").read_text().strip()

    @property
    def workers(self) -> int:
        """How many workers serve (--workers N in IPFRS_TEST_SERVE_ARGS; cacheStats sums theirs)."""
        args = os.environ.get("IPFRS_TEST_SERVE_ARGS", "").split()
        return int(args[args.index("--workers") + 1]) if "--workers" in args else 1

    def _drain(self, pipe) -> None:  # type: ignore[no-untyped-def]
        for line in pipe:
            self.output.append(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    store = Path(tempfile.mkdtemp(prefix="ipfrs-pytest-"))
    # IPFRS_TEST_SERVE_ARGS (e.g. "--workers 2"): the same contract suite against a server started another way.
    running = Server(store / "store", os.environ.get("IPFRS_TEST_SERVE_ARGS", "").split())
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(store, ignore_errors=True)


@pytest.fixture(scope="session")
def admin(server: Server) -> "ipfrs.Client":
    """A client with the admin token: adds the files the tests read."""
    return ipfrs.Client(server.url, token=server.admin_token)


# Each read path of the client, so the same correctness checks cover all of them: GraphQL inline answers and
# Range reads of tensor links (default), every slice through a link (inline_limit=0), and parallel Range
# requests for anything over 4 KiB.
CLIENT_MODES: Dict[str, Dict[str, int]] = {
    "default": {},
    "links": {"inline_limit": 0},
    "parallel": {"parallel_threshold": 4096, "connections": 3},
}


@pytest.fixture(scope="session", params=list(CLIENT_MODES))
def client(request: pytest.FixtureRequest, server: Server) -> "ipfrs.Client":
    return ipfrs.Client(server.url, **CLIENT_MODES[request.param])


@pytest.fixture()
def rng(request: pytest.FixtureRequest) -> random.Random:
    """A seeded RNG; the seed is printed (pytest shows it with a failure) and can be replayed with IPFRS_SEED."""
    seed = int(os.environ.get("IPFRS_SEED") or random.SystemRandom().randrange(2 ** 32))
    print(f"{request.node.name}: IPFRS_SEED={seed}")
    return random.Random(seed)


def random_index(rng: random.Random, shape: tuple) -> tuple:
    """A random numpy basic index for `shape`: ints (negative too), slices with any bounds and step, at most one
    Ellipsis, and now and then numpy.newaxis."""
    ndim = len(shape)

    def item(dim: int) -> object:
        if rng.random() < 0.3 and dim > 0:
            return rng.randint(-dim, dim - 1)

        def bound() -> Optional[int]:
            return None if rng.random() < 0.3 else rng.randint(-dim - 2, dim + 2)
        return slice(bound(), bound(), rng.choice([None, 1, 1, 2, 3, -1, -1, -2, -3, 7]))

    used = rng.randint(0, ndim)
    if rng.random() < 0.3:
        # An ellipsis between some leading and some trailing axes.
        lead = rng.randint(0, used)
        trail = used - lead
        items = [item(shape[a]) for a in range(lead)] + [Ellipsis] + [item(shape[a]) for a in range(ndim - trail, ndim)]
    else:
        items = [item(shape[a]) for a in range(used)]
    for _ in range(2):
        if rng.random() < 0.1:
            items.insert(rng.randint(0, len(items)), None)
    return tuple(items)


class DroppingProxy:
    """A TCP proxy to the server that cuts connections on demand: `cut_after(n, times)` closes whichever
    connection is relaying when n more bytes of the server's answers have passed, `times` times over."""

    def __init__(self, target_url: str) -> None:
        host, port = target_url.split("//", 1)[1].split(":")
        self.target = (host, int(port))
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self._cuts: List[int] = []
        self.connections = 0
        self.cut = 0
        self._lock = threading.Lock()
        self._open: List[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_after(self, n: int, times: int = 1) -> None:
        with self._lock:
            self._cuts.extend([n] * times)

    def drop_idle(self) -> None:
        """Closes every relayed connection now, as a server's idle timeout would."""
        with self._lock:
            sockets, self._open = self._open, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._relay, args=(downstream,), daemon=True).start()

    def _relay(self, downstream: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        with self._lock:
            self._open.extend([downstream, upstream])
        try:
            while True:
                ready, _, _ = select.select([downstream, upstream], [], [], 30)
                if not ready:
                    return
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    if s is upstream:
                        with self._lock:
                            keep = len(data)
                            if self._cuts:
                                if self._cuts[0] < len(data):
                                    keep = self._cuts.pop(0)
                                    self.cut += 1
                                else:
                                    self._cuts[0] -= len(data)
                        downstream.sendall(data[:keep])
                        if keep < len(data):
                            return
                    else:
                        upstream.sendall(data)
        except (OSError, ValueError):  # ValueError: drop_idle closed a socket under select
            return
        finally:
            for s in (downstream, upstream):
                try:
                    s.close()
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()
        self.drop_idle()


@pytest.fixture()
def proxy(server: Server) -> Iterator[DroppingProxy]:
    p = DroppingProxy(server.url)
    try:
        yield p
    finally:
        p.close()
