"""Two instances of the service on free ports behind nginx on HOST:PORT, as `make stack` runs them.

    python scripts/stack.py --host 127.0.0.1 --port 8000

Each instance is `python -m app.serve --workers 1` with a metrics directory of its own; nginx (Debian's
package, /usr/sbin/nginx) runs in the foreground from deploy/nginx/nginx.conf.template with its pid,
temporary files and cache in a temporary directory. Ctrl-C or SIGTERM stops all three. An instance that
dies is reported and nginx sends its requests to the others; when nginx or every instance has died the
rest are stopped and the exit status is 1.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx" / "nginx.conf.template"
NGINX = "/usr/sbin/nginx"
INSTANCE_HOST = "127.0.0.1"
# Seconds an instance or nginx has to become ready, and to stop once asked.
START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


@dataclass
class Child:
    """A process the stack started, in a process group of its own."""

    name: str
    process: subprocess.Popen[bytes]
    url: str

    def alive(self) -> bool:
        return self.process.poll() is None


class Stop(Exception):
    """SIGINT or SIGTERM arrived."""


# Signals received. The handler only records them, and the loops below check between steps: an exception
# raised from a handler could land inside subprocess's own bookkeeping and leave a child never waited for.
received: list[int] = []


def check_signals() -> None:
    if received:
        raise Stop


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((INSTANCE_HOST, 0))
        return int(sock.getsockname()[1])


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each ``${NAME}`` replaced by ``values[NAME]`` (nginx's own variables are lower case)."""
    missing = sorted(set(re.findall(r"\$\{([A-Z_]+)\}", template)) - set(values))
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return re.sub(r"\$\{([A-Z_]+)\}", lambda match: values[match.group(1)], template)


def service_body_limit() -> int:
    """ACT_MAX_BODY_BYTES as the instances read it: nginx answers a larger body itself."""
    sys.path.insert(0, str(ROOT))
    from app.config import settings

    return settings.MAX_BODY_BYTES


def nginx_config(listen: str, instances: list[str], rate: int, burst: int, access_log: bool) -> str:
    servers = "\n        ".join(f"server {address} max_fails=1 fail_timeout=10s;" for address in instances)
    values = {
        "LISTEN": listen,
        "UPSTREAM_SERVERS": servers,
        "RATE": str(rate),
        "BURST": str(burst),
        "MAX_BODY_BYTES": str(service_body_limit()),
        "ACCESS_LOG": "/dev/stdout json" if access_log else "off",
    }
    return fill_template(TEMPLATE.read_text(), values)


def _die_with_parent() -> None:
    # A child still running when this script is killed outright (SIGKILL) gets SIGTERM: nothing is left behind.
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start(
    children: list[Child], name: str, command: list[str], url: str, env: Mapping[str, str] | None = None
) -> Child:
    """Start ``command`` and add it to ``children``."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=None if env is None else {**os.environ, **env},
        # A group of its own: Ctrl-C reaches this script only, which then stops each child in order.
        start_new_session=True,
        preexec_fn=_die_with_parent,  # this script runs no threads
    )
    children.append(Child(name, process, url))
    return children[-1]


def instance_command(port: int) -> list[str]:
    return [sys.executable, "-m", "app.serve", "--host", INSTANCE_HOST, "--port", str(port), "--workers", "1"]


def wait_ready(child: Child, deadline: float) -> None:
    """Wait until the instance's /readyz answers 200: it has warmed up."""
    while True:
        try:
            with urllib.request.urlopen(child.url + "/readyz", timeout=2):
                return
        except OSError as error:  # refused, or 503 while warming up
            status = error
        check_signals()
        if not child.alive():
            raise RuntimeError(f"{child.name} exited with status {child.process.returncode} before it was ready")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{child.name} was not ready within {START_TIMEOUT:g} s ({child.url}/readyz: {status})")
        time.sleep(0.2)


def wait_listening(child: Child, host: str, port: int, deadline: float) -> None:
    while True:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=2):
            return
        check_signals()
        if not child.alive():
            raise RuntimeError(f"{child.name} exited with status {child.process.returncode} before it listened")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{child.name} did not listen on {host}:{port} within {START_TIMEOUT:g} s")
        time.sleep(0.1)


def stop(children: list[Child], how: signal.Signals) -> None:
    """Ask each child's process group to stop, and kill what has not within STOP_TIMEOUT."""
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, how)
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{child.name} did not stop within {STOP_TIMEOUT:g} s: killed")
        # Whatever is left of the group goes with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, signal.SIGKILL)
        child.process.wait()


def say(message: str) -> None:
    print(f"stack: {message}", file=sys.stderr, flush=True)


def _record(signum: int, frame: FrameType | None) -> None:
    received.append(signum)


@contextlib.contextmanager
def state_directory() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="activation-stack-") as name:
        state = Path(name)
        if os.geteuid() == 0:
            # nginx's workers run as an unprivileged user (nobody) and must reach their temporary
            # files and cache, which nginx creates and hands to that user itself.
            state.chmod(0o755)
        yield state


def supervise(nginx: Child, instances: list[Child]) -> int:
    """Wait for a signal (exit status 0) or for nginx or every instance to die (1); report each death."""
    reported: set[str] = set()
    while not received:
        for child in instances:
            if not child.alive() and child.name not in reported:
                reported.add(child.name)
                left = sum(other.alive() for other in instances)
                say(f"{child.name} ({child.url}) exited with status {child.process.returncode}; {left} left")
        if not nginx.alive():
            say(f"nginx exited with status {nginx.process.returncode}: stopping")
            return 1
        if len(reported) == len(instances):
            say("every instance has exited: stopping")
            return 1
        time.sleep(0.2)
    return 0


def start_stack(children: list[Child], state: Path, args: argparse.Namespace) -> Child:
    """Start the instances, wait until they are ready, then nginx in front of them; return nginx."""
    instances = []
    for number in range(1, args.instances + 1):
        port = free_port()
        url = f"http://{INSTANCE_HOST}:{port}"
        # Each instance sums its own workers' metrics in a directory of its own.
        metrics = state / f"metrics-{number}"
        metrics.mkdir()
        env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics)}
        instances.append(start(children, f"instance {number}", instance_command(port), url, env))
    deadline = time.monotonic() + START_TIMEOUT
    for child in instances:
        wait_ready(child, deadline)
        say(f"{child.name} on {child.url} (pid {child.process.pid})")
    addresses = [child.url.removeprefix("http://") for child in instances]
    config = state / "nginx.conf"
    config.write_text(nginx_config(f"{args.host}:{args.port}", addresses, args.rate, args.burst, args.access_log))
    (state / "tmp").mkdir()
    command = [args.nginx, "-p", str(state), "-c", str(config), "-e", "stderr", "-g", "daemon off;"]
    nginx = start(children, "nginx", command, f"http://{args.host}:{args.port}")
    wait_listening(nginx, args.host, args.port, time.monotonic() + START_TIMEOUT)
    say(f"nginx on {nginx.url} (pid {nginx.process.pid}) in front of {len(instances)} instances; Ctrl-C stops all")
    return nginx


def port_taken(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def run(args: argparse.Namespace) -> int:
    if not Path(args.nginx).exists():
        say(f"nginx is not installed ({args.nginx}): apt-get install -y nginx (.ci/run does)")
        return 1
    if port_taken(args.host, args.port):
        say(f"{args.host}:{args.port} is taken (by `make run`?): choose another PORT")
        return 1
    children: list[Child] = []
    with state_directory() as state:
        try:
            nginx = start_stack(children, state, args)
            return supervise(nginx, [child for child in children if child is not nginx])
        except Stop:
            return 0
        except RuntimeError as error:
            say(str(error))
            return 1
        finally:
            # nginx first, gracefully (SIGQUIT: requests in flight finish), then the instances, which drain theirs.
            stop([child for child in children if child.name == "nginx"], signal.SIGQUIT)
            stop([child for child in children if child.name != "nginx"], signal.SIGTERM)
            say("stopped")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address nginx listens on")
    parser.add_argument("--port", type=int, default=8000, help="port nginx listens on")
    parser.add_argument("--instances", type=int, default=2, help="instances of the service behind nginx")
    parser.add_argument("--rate", type=int, default=100, help="requests a second allowed to one client address")
    parser.add_argument("--burst", type=int, default=200, help="requests above the rate allowed at once")
    parser.add_argument("--nginx", default=NGINX, help="the nginx binary")
    parser.add_argument(
        "--access-log", action=argparse.BooleanOptionalAction, default=True, help="nginx's JSON access log on stdout"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGINT, _record)
    signal.signal(signal.SIGTERM, _record)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
