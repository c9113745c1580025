"""Starts and stops the whole system together: Rasa server, action server and web app.

`claimbot serve` runs it in the foreground and restarts a service that crashes (the web app then finishes
the phone calls the crash cut off); evaluation and benchmarks use `running_stack()`, which reuses a stack
that is already up or starts one (training first when the model is stale) and stops it after.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import Settings, load_settings
from bot.slot_spec import REPO_ROOT
from bot.training import rasa_executable, train

log = logging.getLogger("claimbot.stack")

READY_TIMEOUT_S = 180
MAX_RESTARTS = 3            # crashes of one service within RESTART_WINDOW_S before the stack gives up on it
RESTART_WINDOW_S = 600.0


def _http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status == 200
    except Exception:  # noqa: BLE001 - any failure means "not ready yet"
        return False


def rasa_ready(settings: Settings) -> bool:
    """Up, with a model loaded (`/status` answers 200 only once the model is in)."""
    return _http_ok(f"{settings.rasa_url}/status")


def action_server_ready(settings: Settings) -> bool:
    return _http_ok(f"http://{settings.host}:{settings.action_port}/health")


def web_ready(settings: Settings) -> bool:
    return _http_ok(f"{settings.web_url}/healthz")


@dataclass
class Stack:
    settings: Settings = field(default_factory=load_settings)
    with_web: bool = True
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)
    restarts: dict[str, list[float]] = field(default_factory=dict)  # monotonic times of each service's restarts

    def _endpoints_file(self) -> Path:
        path = self.settings.var_dir / "endpoints.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'action_endpoint:\n  url: "{self.settings.action_url}"\n  enable_selective_domain: true\n',
                        encoding="utf-8")
        return path

    def _spawn(self, name: str, cmd: list[str]) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": "ignore",
               "TF_CPP_MIN_LOG_LEVEL": "3", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
        if name == "web":
            # The phone channel calls small numpy routines 50 times a second per call; a multi-threaded BLAS
            # keeps a worker spinning between them, a whole core wasted (measured: 112 % CPU for one call).
            env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        self.procs[name] = proc
        self.commands[name] = cmd
        threading.Thread(target=self._pump, args=(name, proc), daemon=True).start()

    @staticmethod
    def _pump(name: str, proc: subprocess.Popen) -> None:
        """Prefixes each service's log lines so the three are told apart in one terminal."""
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stderr.write(f"[{name}] {line}")

    def start(self, model: Path | None = None) -> float:
        """Starts the services and waits until all answer; returns the seconds it took."""
        model = model or train()
        s = self.settings
        started = time.monotonic()
        self._spawn("actions", [rasa_executable(), "run", "actions", "--actions", "actions",
                                "--port", str(s.action_port)])
        self._spawn("rasa", [sys.executable, "-m", "bot.rasa_main", "run", "--enable-api", "--model", str(model),
                             "--port", str(s.rasa_port), "--interface", s.host,
                             "--endpoints", str(self._endpoints_file()), "--credentials", "credentials.yml",
                             "--cors", "*"])
        if self.with_web:
            self._spawn("web", [sys.executable, "-m", "bot.web.app"])
        self._wait_ready(list(self.procs))
        took = time.monotonic() - started
        log.info("ready in %.1f s: rasa %s, actions %s, web %s", took, s.rasa_url, s.action_url,
                 s.web_url if self.with_web else "-")
        return took

    def _wait_ready(self, names: list[str]) -> None:
        s = self.settings
        checks = [READY_CHECKS[name] for name in names]
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not all(check(s) for check in checks):
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{name} 启动时退出（代码 {proc.returncode}），原因见上方日志")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"服务在 {READY_TIMEOUT_S} 秒内未就绪，请查看上方日志")
            time.sleep(0.3)

    def restart_exited(self) -> list[str]:
        """Restarts the services that have exited and waits until they answer again; returns their names.

        RuntimeError for a service that crashed more than MAX_RESTARTS times within RESTART_WINDOW_S: a fault
        that comes back at once is not one a restart cures."""
        exited = [name for name, proc in self.procs.items() if proc.poll() is not None]
        now = time.monotonic()
        for name in exited:
            recent = [t for t in self.restarts.get(name, []) if now - t < RESTART_WINDOW_S]
            if len(recent) >= MAX_RESTARTS:
                raise RuntimeError(f"{name} 在 {RESTART_WINDOW_S / 60:.0f} 分钟内崩溃超过 {MAX_RESTARTS} 次，不再重启")
            self.restarts[name] = [*recent, now]
            log.error("%s exited with code %s; restarting it", name, self.procs[name].returncode)
            with contextlib.suppress(ProcessLookupError):  # its children too, or they would keep the port
                os.killpg(self.procs[name].pid, signal.SIGKILL)
            self._spawn(name, self.commands[name])
        if exited:
            self._wait_ready(exited)
            log.info("restarted: %s", ", ".join(exited))
        return exited

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs.values() if p.poll() is None]

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        self.procs.clear()


READY_CHECKS = {"rasa": rasa_ready, "actions": action_server_ready, "web": web_ready}


@contextlib.contextmanager
def running_stack(with_web: bool = False) -> Iterator[Settings]:
    """Yields settings of a running Rasa + action server, starting them only if they are not up."""
    settings = load_settings()
    if rasa_ready(settings) and action_server_ready(settings):
        yield settings
        return
    stack = Stack(settings, with_web=with_web)
    stack.start()
    try:
        yield settings
    finally:
        stack.stop()
