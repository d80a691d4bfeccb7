#!/usr/bin/env python3
"""Set up a development environment, then serve, test or lint the project.

    python3 dev.py run           migrate, load the demo data, serve http://127.0.0.1:8000
    python3 dev.py test [ARGS]   run pytest; every argument after ``test`` goes to pytest
    python3 dev.py lint          ruff check and ruff format --check
    python3 dev.py rules         each rule of RULES.md with the tests that name it

Each command first makes sure ``.venv`` exists and holds the project with its
``dev`` extras. ``pip install`` runs only when ``pyproject.toml`` changed since
the last successful install: a stamp file in ``.venv`` keeps its hash.

This script uses the standard library only, because it runs with the system
``python3`` before the virtual environment exists. An existing ``DATABASE_URL``
is passed through untouched; without it the project uses SQLite in ``var/``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

MINIMUM_PYTHON = (3, 11)
ROOT = Path(__file__).resolve().parent
PYPROJECT = ROOT / "pyproject.toml"
VENV = ROOT / ".venv"
VENV_BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
VENV_PYTHON = VENV_BIN / ("python.exe" if os.name == "nt" else "python")
INSTALL_STAMP = VENV / ".dev-py-pyproject.sha256"
SERVER_ADDRESS = "127.0.0.1:8000"
# Seconds a child gets to finish after Ctrl-C before it is terminated, then killed.
SHUTDOWN_GRACE_SECONDS = 5.0


class CommandFailed(Exception):
    """Raised when a setup step exits non-zero; carries the step and its exit code."""

    def __init__(self, description: str, returncode: int) -> None:
        super().__init__(f"{description} failed (exit code {returncode})")
        self.returncode = returncode


def step(message: str) -> None:
    """Announce the next step on one line."""
    print(f"==> {message}", flush=True)


def require_python() -> None:
    """Exit with a clear message when this interpreter is older than 3.11."""
    if sys.version_info < MINIMUM_PYTHON:
        wanted = ".".join(str(part) for part in MINIMUM_PYTHON)
        found = ".".join(str(part) for part in sys.version_info[:3])
        sys.exit(f"dev.py needs Python {wanted} or newer; {sys.executable} is Python {found}.")


def stop(process: subprocess.Popen[bytes], *, interrupted: bool) -> None:
    """Stop ``process``: terminate it, then kill it if it still runs after a grace period.

    After Ctrl-C (``interrupted``) wait first: the terminal sent SIGINT to every
    process in the foreground group, so the child is already shutting down
    (runserver closes, pytest prints its summary) and a second signal would cut
    that short.
    """
    requests = (process.terminate, process.kill)
    if interrupted:
        requests = (lambda: None, *requests)
    for request_exit in requests:
        request_exit()
        try:
            process.wait(timeout=SHUTDOWN_GRACE_SECONDS)
            return
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            continue


def spawn(argv: Sequence[str | Path]) -> subprocess.Popen[bytes]:
    """Start ``argv`` from the repository root, inheriting the environment."""
    return subprocess.Popen([str(arg) for arg in argv], cwd=ROOT)  # noqa: S603 (argv is ours)


def run_foreground(argv: Sequence[str | Path]) -> int:
    """Run ``argv`` in the foreground and return its exit code."""
    process = spawn(argv)
    try:
        return process.wait()
    except KeyboardInterrupt:
        stop(process, interrupted=True)
        raise


def run_step(description: str, argv: Sequence[str | Path]) -> None:
    """Run ``argv`` like ``run_foreground``; raise ``CommandFailed`` if it exits non-zero."""
    returncode = run_foreground(argv)
    if returncode != 0:
        raise CommandFailed(description, returncode)


def pyproject_hash() -> str:
    """Return the SHA-256 of ``pyproject.toml``, the key of the install stamp."""
    return hashlib.sha256(PYPROJECT.read_bytes()).hexdigest()


def create_venv() -> None:
    """Create ``.venv`` with pip; remove a half-made one so the next run starts over."""
    step(f"Creating the virtual environment {VENV.relative_to(ROOT)}")
    existed = VENV.exists()
    try:
        run_step("python3 -m venv", [sys.executable, "-m", "venv", VENV])
    except (CommandFailed, KeyboardInterrupt):
        if not existed:
            shutil.rmtree(VENV, ignore_errors=True)
        raise


def install_project() -> None:
    """Install the project and its dev extras into ``.venv`` if pyproject.toml changed."""
    expected = pyproject_hash()
    if INSTALL_STAMP.is_file() and INSTALL_STAMP.read_text().strip() == expected:
        step("Dependencies are up to date with pyproject.toml")
        return
    step('Installing the project into .venv (pip install -e ".[dev]")')
    INSTALL_STAMP.unlink(missing_ok=True)
    run_step(
        "pip install",
        [VENV_PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-e", ".[dev]"],
    )
    INSTALL_STAMP.write_text(expected + "\n")


def prepare_environment() -> None:
    """Make ``.venv`` hold the current project, and ``var/`` exist for SQLite and media."""
    if not VENV_PYTHON.is_file():
        create_venv()
    install_project()
    (ROOT / "var").mkdir(exist_ok=True)
    compile_translations()


def compile_translations() -> None:
    """Compile the .po catalogues; without gettext's msgfmt, keep the committed .mo files."""
    if shutil.which("msgfmt") is None:
        step("gettext is not installed: using the committed translations (.mo)")
        return
    step("Compiling the translations")
    run_step(
        "compilemessages",
        manage("compilemessages", "--ignore=.venv", "--ignore=var", "--verbosity=0"),
    )


def manage(*args: str) -> list[str | Path]:
    """Return the argv running ``manage.py`` with ``args`` under the venv's python."""
    return [VENV_PYTHON, ROOT / "manage.py", *args]


class ProcessGroup:
    """Processes that run side by side until one exits or Ctrl-C is pressed.

    ``command_run`` starts the development stack here, one ``start`` per process.
    Leaving the ``with`` block stops whichever are still running, so a helper
    never outlives the server it was started beside.
    """

    POLL_SECONDS = 0.2

    def __init__(self) -> None:
        self._processes: list[subprocess.Popen[bytes]] = []
        self._interrupted = False

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for process in self._processes:
            stop(process, interrupted=self._interrupted)

    def start(self, description: str, argv: Sequence[str | Path]) -> None:
        """Announce ``description`` and start ``argv`` from the repository root."""
        step(description)
        self._processes.append(spawn(argv))

    def wait(self) -> int:
        """Block until a process exits and return its exit code; Ctrl-C counts as exit 0."""
        try:
            while True:
                for process in self._processes:
                    returncode = process.poll()
                    if returncode is not None:
                        return returncode
                time.sleep(self.POLL_SECONDS)
        except KeyboardInterrupt:
            self._interrupted = True
            print(flush=True)
            step("Stopping")
            return 0


def command_run(_: argparse.Namespace) -> int:
    """Set up, migrate, load the demo data and serve until Ctrl-C."""
    prepare_environment()
    step("Applying migrations")
    run_step("migrate", manage("migrate", "--noinput"))
    step("Loading the demo data")
    run_step("load_demo", manage("load_demo"))
    with ProcessGroup() as processes:
        processes.start(
            "Starting the background jobs: a Celery worker with beat, no broker to install",
            [
                VENV_BIN / "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "--pool=solo",
                "--loglevel=INFO",
            ],
        )
        processes.start(
            f"Serving http://{SERVER_ADDRESS} (Ctrl-C to stop)",
            manage("runserver", SERVER_ADDRESS),
        )
        return processes.wait()


def command_test(pytest_args: Sequence[str]) -> int:
    """Set up, then run pytest with ``pytest_args`` and return its exit code."""
    prepare_environment()
    step(shlex.join(["Running pytest", *pytest_args]))
    return run_foreground([VENV_PYTHON, "-m", "pytest", *pytest_args])


def command_lint(_: argparse.Namespace) -> int:
    """Set up, then run the ruff linter and the format check; fail if either fails."""
    prepare_environment()
    ruff = VENV_BIN / "ruff"
    step("Running ruff check")
    lint_code = run_foreground([ruff, "check", "."])
    step("Running ruff format --check")
    format_code = run_foreground([ruff, "format", "--check", "."])
    return lint_code or format_code


RULES_MD = ROOT.parent / "shared" / "RULES.md"
RULE_ROW = re.compile(r"^\| ((?:R|P)\d\d) \| ([^|]+)\|", re.MULTILINE)
TEST_DEF = re.compile(r"^\s*(?:async )?def (test_\w+)", re.MULTILINE)


def command_rules(args: argparse.Namespace) -> int:
    """Print each rule ID of RULES.md with the tests that name it (in the name or the body)."""
    rules = RULE_ROW.findall(Path(args.rules_md).read_text(encoding="utf-8"))
    tests: dict[str, list[str]] = {rule_id: [] for rule_id, _ in rules}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        source = path.read_text(encoding="utf-8")
        starts = [(match.start(), match.group(1)) for match in TEST_DEF.finditer(source)]
        for index, (start, name) in enumerate(starts):
            end = starts[index + 1][0] if index + 1 < len(starts) else len(source)
            body = source[start:end]
            for rule_id in tests:
                if name.startswith(f"test_{rule_id.lower()}_") or re.search(
                    rf"\b{rule_id}\b", body
                ):
                    tests[rule_id].append(f"{path.relative_to(ROOT)}::{name}")
    print("| rule | tests | example |")
    print("|---|---|---|")
    for rule_id, title in rules:
        named = tests[rule_id]
        by_name = [test for test in named if f"::test_{rule_id.lower()}_" in test]
        example = (by_name or named or ["(none yet)"])[0]
        print(f"| {rule_id} {title.strip()[:50]} | {len(named)} | {example} |")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser; ``test`` is listed here but parsed by hand."""
    parser = argparse.ArgumentParser(
        prog="dev.py",
        description="Set up .venv, then serve, test or lint the project.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run_help = f"migrate, load the demo data and serve http://{SERVER_ADDRESS}"
    commands.add_parser("run", help=run_help, description=run_help).set_defaults(
        handler=command_run
    )
    commands.add_parser(
        "test",
        help="run pytest; every argument after 'test' is passed to pytest unchanged",
        add_help=False,
    )
    lint_help = "ruff check and ruff format --check"
    commands.add_parser("lint", help=lint_help, description=lint_help).set_defaults(
        handler=command_lint
    )
    rules_help = "list each rule ID of RULES.md with the tests that name it"
    rules = commands.add_parser("rules", help=rules_help, description=rules_help)
    rules.add_argument("--rules-md", default=RULES_MD, help="path of RULES.md")
    rules.set_defaults(handler=command_rules)
    return parser


def main(argv: list[str]) -> int:
    """Dispatch to the command named in ``argv`` and return the exit code."""
    require_python()
    try:
        # Hand pytest its arguments verbatim; argparse would claim "-h", "--", "-x"...
        if argv[:1] == ["test"]:
            return command_test(argv[1:])
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except CommandFailed as failure:
        print(f"dev.py: {failure}", file=sys.stderr)
        return failure.returncode
    except KeyboardInterrupt:
        print("\ndev.py: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
