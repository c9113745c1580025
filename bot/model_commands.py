"""`claimbot models …`: put a Vosk speech-recognition model in place for the phone channel.

No Chinese model ships with the project (hundreds of MB): the operator downloads one where there is internet
and installs the zip here. Installing checks the files, unpacks into a staging folder next to the target,
proves the model loads, and only then moves it into place, so a failure leaves nothing half-installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from telephony.config import MODEL_SETTING
from telephony.model_location import (
    CURRENT_FILE,
    configured_model_path,
    missing_model_parts,
    models_dir,
    supports_runtime_grammar,
)

MODELS_URL_SETTING = "CLAIMBOT_VOSK_MODELS_URL"
DEFAULT_MODELS_URL = "https://alphacephei.com/vosk/models/"
DOWNLOADS = {"zh": ("vosk-model-small-cn-0.22", "vosk-model-cn-0.22")}  # (small, --large)
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 60.0
LOAD_TIMEOUT_S = 900.0  # the large Chinese model takes well over a minute to load on a slow disk

EXIT_BAD_INPUT = 2
EXIT_NO_NETWORK = 3


class InstallError(Exception):
    """Why a model could not be installed, in words for the operator."""


# ---------------------------------------------------------------- install

def _find_model_root(folder: Path) -> Path:
    """The folder itself, or its only sub-folder that is a model (zips usually wrap the model in one)."""
    if not missing_model_parts(folder):
        return folder
    candidates = [d for d in sorted(folder.iterdir()) if d.is_dir() and not missing_model_parts(d)]
    return candidates[0] if len(candidates) == 1 else folder


def _safe_extract(archive: Path, target: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                parts = PurePosixPath(member.replace("\\", "/")).parts
                if member.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                    raise InstallError(f"{archive} 里有不安全的路径 {member!r}，拒绝解压。")
            zf.extractall(target)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise InstallError(f"{archive} 不是完好的 zip 文件（{exc}）。请重新下载。") from exc


def _check_loads(root: Path) -> None:
    """Loads the model with Vosk in a child process: a broken file may crash Kaldi, and must not crash us."""
    code = "import sys, vosk; vosk.SetLogLevel(-1); vosk.Model(sys.argv[1])"
    try:
        done = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True,
                              encoding="utf-8", errors="replace",
                              timeout=LOAD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise InstallError(f"加载模型超过 {LOAD_TIMEOUT_S:.0f} 秒仍未完成，已放弃安装。") from exc
    if done.returncode != 0:
        detail = (done.stderr or "").strip().splitlines()
        raise InstallError("Vosk 无法加载这个模型，文件可能已损坏或不完整"
                           + (f"（{detail[-1][:200]}）" if detail else "") + "。")


def _check_name(name: str) -> str:
    if not name or name.startswith(".") or name == CURRENT_FILE or "/" in name or "\\" in name:
        raise InstallError(f"模型名称 {name!r} 不可用：不能为空、不能以点开头、不能含路径分隔符，也不能叫 {CURRENT_FILE}。")
    return name


def _write_current(folder: Path, model: Path) -> Path:
    current = folder / CURRENT_FILE
    tmp = folder / f".{CURRENT_FILE}.{os.getpid()}.tmp"
    tmp.write_text(f"{model}\n", encoding="utf-8")
    tmp.replace(current)
    return current


def install_model(source: Path, name: str | None = None, force: bool = False) -> Path:
    """Installs a Vosk model (zip or folder) into the models folder, makes it current; returns its new path."""
    source = source.expanduser()
    if not source.exists():
        raise InstallError(f"找不到 {source}。")
    if not source.is_dir() and not zipfile.is_zipfile(source):
        raise InstallError(f"{source} 既不是模型目录，也不是 zip 文件。")
    target_dir = models_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=target_dir))
    try:
        if source.is_dir():
            root = _find_model_root(source)
            default_name = root.name
        else:
            _safe_extract(source, staging / "unpacked")
            root = _find_model_root(staging / "unpacked")
            default_name = root.name if root != staging / "unpacked" else source.stem
        missing = missing_model_parts(root)
        if missing:
            raise InstallError(f"{source} 不是 Vosk 模型，缺少：{'、'.join(missing)}。")
        dest = target_dir / _check_name(name or default_name)
        if dest.exists() and not force:
            raise InstallError(f"{dest} 已经存在。换一个 --name，或加 --force 覆盖。")
        if source.is_dir():
            shutil.copytree(root, staging / "copy", symlinks=False)
            root = staging / "copy"
        _check_loads(root)
        if dest.exists():
            dest.rename(staging / "replaced")  # removed with the staging folder
        root.rename(dest)
        _write_current(target_dir, dest)
        return dest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ---------------------------------------------------------------- download

def _resolve_within(host: str, port: int, timeout: float) -> None:
    """Name lookup bounded in time: socket timeouts do not cover it, and a dead resolver can hang for long."""
    outcome: dict[str, BaseException | None] = {}

    def lookup() -> None:
        try:
            socket.getaddrinfo(host, port)
            outcome["error"] = None
        except OSError as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=lookup, daemon=True)
    worker.start()
    worker.join(timeout)
    if "error" not in outcome:
        raise TimeoutError(f"解析 {host} 超过 {timeout:.0f} 秒")
    if outcome["error"] is not None:
        raise outcome["error"]


def _download(url: str, target: Path) -> None:
    import requests

    parsed = urlparse(url)
    _resolve_within(parsed.hostname or "", parsed.port or (443 if parsed.scheme == "https" else 80), CONNECT_TIMEOUT_S)
    with requests.get(url, stream=True, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)) as response:
        response.raise_for_status()
        total = int(response.headers.get("content-length") or 0)
        done, shown = 0, -1
        with target.open("wb") as out:
            for chunk in response.iter_content(chunk_size=1 << 20):
                out.write(chunk)
                done += len(chunk)
                if total and (step := done * 10 // total) != shown:
                    shown = step
                    print(f"  已下载 {done / 1e6:.0f} / {total / 1e6:.0f} MB", flush=True)


# ---------------------------------------------------------------- commands

INSTALL_USAGE = "用法：claimbot models install <模型 zip 或目录> [--name 名称] [--force]"


def _fail(message: str, code: int) -> int:
    """Errors go to stderr as one plain message; the exit code tells scripts what kind of failure it was."""
    print(message, file=sys.stderr)
    return code


def _install_command(args: argparse.Namespace) -> int:
    if args.source is None:  # checked here, not by argparse, so the operator reads Chinese and gets code 2
        return _fail(f"缺少要安装的模型。{INSTALL_USAGE}", EXIT_BAD_INPUT)
    source = Path(args.source)
    print(f"正在检查并安装 {source} …", flush=True)
    try:
        dest = install_model(source, name=args.name, force=args.force)
    except InstallError as exc:
        return _fail(f"安装失败：{exc}", EXIT_BAD_INPUT)
    print(f"已安装：{dest}")
    print(f"已设为当前模型（记录在 {dest.parent / CURRENT_FILE}），电话渠道启动时会自动使用。")
    if not supports_runtime_grammar(dest):
        print("注意：这个模型没有 Gr.fst/HCLr.fst，报号码时无法把识别限制在数字词上。")
    print("如需用环境变量指定，配置这一行：")
    print(f"{MODEL_SETTING}={dest}")
    return 0


def _download_command(args: argparse.Namespace) -> int:
    lang = args.lang
    if lang not in DOWNLOADS:  # checked here, not with argparse choices, for a Chinese message and code 2
        return _fail(f"不支持的语言 {lang!r}，可选：{'、'.join(DOWNLOADS)}。", EXIT_BAD_INPUT)
    model_name = DOWNLOADS[lang][1 if args.large else 0]
    base = os.environ.get(MODELS_URL_SETTING, "").strip() or DEFAULT_MODELS_URL
    url = base.rstrip("/") + f"/{model_name}.zip"
    target_dir = models_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    archive = target_dir / f".download-{model_name}.zip"
    print(f"正在下载 {url} …", flush=True)
    try:
        _download(url, archive)
    except Exception as exc:  # noqa: BLE001 - any network failure gets the same advice
        archive.unlink(missing_ok=True)
        return _fail(
            f"下载失败：{exc.__class__.__name__}: {str(exc)[:160]}\n"
            f"这台机器可能无法访问外网。请在能上网的电脑上下载 {url}，\n"
            f"拷贝到这台机器后运行：claimbot models install <zip 文件路径>",
            EXIT_NO_NETWORK,
        )
    try:
        dest = install_model(archive, name=model_name)
    except InstallError as exc:
        return _fail(f"安装失败：{exc}", EXIT_BAD_INPUT)
    finally:
        archive.unlink(missing_ok=True)
    print(f"已安装并设为当前模型：{dest}")
    print(f"{MODEL_SETTING}={dest}")
    return 0


def _list_command(args: argparse.Namespace) -> int:
    folder = models_dir()
    configured = configured_model_path()
    current = Path(configured).expanduser().resolve() if configured else None
    installed = sorted(d for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".")) \
        if folder.is_dir() else []
    print(f"模型目录：{folder}")
    if not installed:
        print("还没有安装模型。用 `claimbot models install <zip 或目录>` 安装。")
    for d in installed:
        mark = "*" if current is not None and d.resolve() == current else " "
        note = "" if not missing_model_parts(d) else "（不完整）"
        print(f" {mark} {d.name}{note}")
    if os.environ.get(MODEL_SETTING, "").strip():
        print(f"当前模型由环境变量 {MODEL_SETTING} 指定：{configured}")
    elif current is not None:
        print(f"当前模型：{current}")
    else:
        print("还没有设置当前模型。")
    return 0


def add_models_parser(sub: argparse._SubParsersAction) -> None:
    """Registers `claimbot models` and its subcommands on the CLI's subparsers; each sets `func` to its handler."""
    models = sub.add_parser("models", help="语音识别模型（Vosk）：安装、下载、查看",
                            description="语音识别模型（Vosk）：安装、下载、查看。")
    models_sub = models.add_subparsers(dest="what", metavar="{install,download,list}")

    def show_help(args: argparse.Namespace) -> int:  # bare `claimbot models`: say what there is
        models.print_help(sys.stderr)
        return EXIT_BAD_INPUT

    models.set_defaults(func=show_help)

    install = models_sub.add_parser("install", help="安装模型（zip 或目录）并设为当前模型",
                                    description="安装 Vosk 模型（zip 文件或目录），并设为电话渠道当前使用的模型。")
    install.add_argument("source", nargs="?", metavar="ZIP_OR_DIR", help="模型 zip 文件或模型目录")
    install.add_argument("--name", help="安装后的目录名（默认用模型自己的名字）")
    install.add_argument("--force", action="store_true", help="覆盖同名模型")
    install.set_defaults(func=_install_command)

    download = models_sub.add_parser("download", help="从 Vosk 官网下载模型并安装（需要能上网）",
                                     description="从 Vosk 官网下载模型并安装（需要能上网）。")
    download.add_argument("lang", nargs="?", default="zh", metavar="{" + ",".join(DOWNLOADS) + "}",
                          help="语言（默认 zh）")
    download.add_argument("--large", action="store_true",
                          help="下载大模型（约 1.3 GB，更准但更慢；默认小模型约 42 MB）")
    download.set_defaults(func=_download_command)

    models_sub.add_parser("list", help="列出已安装的模型，标出当前使用的那个",
                          description="列出已安装的模型，标出当前使用的那个。").set_defaults(func=_list_command)
