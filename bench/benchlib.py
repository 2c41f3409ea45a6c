"""Shared pieces of the bench/ drivers: the build folder, servers started
and stopped by PID, measured child processes, job files and tables.

Every process this module starts is recorded and stopped by its PID when
the driver exits (normally, on an exception, or on SIGINT/SIGTERM). Every
wait is bounded.
"""
import atexit
import csv
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

# ---------------------------------------------------------------- cleanup

_started = {}          # pid -> (Popen, description)
_temp_dirs = []


def _alive(pid):
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _signal_and_wait(pids, signum, grace):
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return not any(_alive(p) for p in pids)


def _stop_pid(pid, proc, grace=5.0):
    # Liveness is read from /proc rather than Popen.wait(): this also runs
    # from a signal handler that may have interrupted a wait() on the same
    # Popen, whose lock is then held.
    if _alive(pid):
        # A command run under GNU time is time's child: stop it first, or
        # it would outlive time.
        children = child_pids(pid) if Path(str(proc.args[0])).name == "time" else []
        if not _signal_and_wait(children + [pid], signal.SIGTERM, grace):
            _signal_and_wait(children + [pid], signal.SIGKILL, grace)
    try:
        proc.poll()
    except Exception:
        pass


def cleanup():
    for pid, (proc, _) in list(_started.items()):
        try:
            _stop_pid(pid, proc)
        except Exception as error:  # keep cleaning the rest
            print(f"bench: could not stop pid {pid}: {error}", file=sys.stderr)
        _started.pop(pid, None)
    for path in _temp_dirs:
        shutil.rmtree(path, ignore_errors=True)
    _temp_dirs.clear()


def _on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


atexit.register(cleanup)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)
signal.signal(signal.SIGHUP, _on_signal)


def temp_dir(prefix):
    path = Path(tempfile.mkdtemp(prefix=f"fetchctl-bench-{prefix}-"))
    _temp_dirs.append(path)
    return path


def spawn(cmd, description, **kwargs):
    proc = subprocess.Popen(cmd, **kwargs)
    _started[proc.pid] = (proc, description)
    return proc


def stop(proc):
    if proc is None:
        return
    _stop_pid(proc.pid, proc)
    _started.pop(proc.pid, None)


# ---------------------------------------------------------------- machine

def build_dir():
    env = os.environ.get("FETCHCTL_BUILD_DIR")
    path = Path(env) if env else ROOT / "build"
    if not path.is_absolute():
        path = Path.cwd() / path
    for exe in ("fetchctl", "orders_server"):
        if not (path / "bin" / exe).is_file():
            sys.exit(f"bench: {path}/bin/{exe} is missing; build first "
                     f"(tools/setup.sh, or set FETCHCTL_BUILD_DIR)")
    return path


def build_type(path):
    cache = Path(path) / "CMakeCache.txt"
    if cache.is_file():
        match = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", cache.read_text(), re.M)
        if match:
            return match.group(1) or "(none)"
    return "unknown"


def load():
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}"


def machine_info(build):
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain",
                                "--", "core", "plugins", "tools"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        if dirty:
            commit += " + uncommitted changes in core/plugins/tools"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    fetchctl = Path(build) / "bin" / "fetchctl"
    try:
        version = subprocess.run([str(fetchctl), "--version"], capture_output=True, text=True,
                                 timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        version = "unknown"
    built = datetime.fromtimestamp(fetchctl.stat().st_mtime, timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC")
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "fetchctl": f"{version}, binary built {built}",
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "build_dir": str(build),
        "build_type": build_type(build),
        "commit": commit,
        "load_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def print_machine(info):
    print(f"# {info['date']}  {info['cpus']} CPUs ({info['cpu_model']}), kernel "
          f"{info['kernel']}, load {info['load_at_start']}")
    print(f"# build {info['build_dir']} ({info['build_type']}): {info['fetchctl']}; source "
          f"tree now at {info['commit']}; Python {info['python']}")


def free_port():
    """A port that was free a moment ago (for servers that cannot take 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def http_get(url, timeout=10.0):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


# ---------------------------------------------------------------- servers

class OrdersServer:
    """build/bin/orders_server on 127.0.0.1, port picked by the server."""

    def __init__(self, build, *args, log_dir):
        self.log = Path(log_dir) / f"orders_server-{time.monotonic_ns()}.log"
        self._log_file = open(self.log, "w")
        self.proc = spawn([str(Path(build) / "bin" / "orders_server"), "--host", "127.0.0.1",
                           "--port", "0", *args],
                          "orders_server", stdout=self._log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        self.port = None
        while time.monotonic() < deadline and self.port is None:
            match = re.search(r"^listening on 127\.0\.0\.1:(\d+)", self.log.read_text(), re.M)
            if match:
                self.port = int(match.group(1))
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.02)
        if self.port is None:
            self.close()
            raise RuntimeError(f"orders_server did not start: {self.log.read_text()[-500:]}")
        self.base = f"http://127.0.0.1:{self.port}"

    def stats(self):
        return json.loads(http_get(self.base + "/stats"))

    def cpu_seconds(self):
        return process_cpu_seconds([self.proc.pid])

    def close(self):
        stop(self.proc)
        self._log_file.close()


NGINX_CONF = """\
worker_processes 1;
daemon off;
master_process on;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 60s;
    server {{
        listen 127.0.0.1:{port};
        root {dir}/www;
        # Every /item/<anything> is the same order document.
        location /item/ {{
            default_type application/json;
            try_files /order.json =404;
        }}
    }}
}}
"""


class Nginx:
    """A private nginx (one worker) serving `body` for /item/<anything>."""

    def __init__(self, body):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        # Its own folder, readable by the worker (which drops to www-data
        # when the master runs as root): mkdtemp folders are 0700.
        self.dir = temp_dir("nginx")
        os.chmod(self.dir, 0o755)
        (self.dir / "www").mkdir(mode=0o755)
        (self.dir / "www" / "order.json").write_bytes(body)
        os.chmod(self.dir / "www" / "order.json", 0o644)
        self.proc = None
        for _attempt in range(5):   # the probed port may be taken meanwhile
            port = free_port()
            conf = self.dir / "nginx.conf"
            conf.write_text(NGINX_CONF.format(dir=self.dir, port=port))
            log = open(self.dir / "stderr.log", "w")
            self.proc = spawn([nginx, "-p", str(self.dir), "-c", str(conf),
                               "-e", str(self.dir / "error.log")],
                              "nginx", stdout=log, stderr=subprocess.STDOUT)
            log.close()
            if wait_for_port(port, self.proc):
                self.port = port
                self.base = f"http://127.0.0.1:{port}"
                return
            stop(self.proc)
        raise RuntimeError("nginx did not start: " +
                           (self.dir / "error.log").read_text()[-500:])

    def pids(self):
        return [self.proc.pid] + child_pids(self.proc.pid)

    def cpu_seconds(self):
        return process_cpu_seconds(self.pids())

    def close(self):
        stop(self.proc)


def child_pids(parent):
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(entry.name))
    return found


def process_cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])   # utime, stime
    return total / CLK_TCK


# ---------------------------------------------------------------- measuring

TIME = "/usr/bin/time"


class Measured:
    """One child process run under GNU time: wall time (our clock), user+sys
    CPU and peak RSS of the process and the children it waited for.

    Why GNU time and not os.wait4 here: after fork+exec the kernel starts
    the new program's ru_maxrss at the forking process's peak, so a child
    forked by this (~20 MB) Python reports at least ~20 MB. GNU time is a
    ~1 MB C program, and its %M is the exec'd command's own peak."""

    def __init__(self, cmd, timeout, cwd=None, sample_rss=False, out_dir=None):
        self.cmd = [str(c) for c in cmd]
        out_dir = Path(out_dir or tempfile.gettempdir())
        stamp = time.monotonic_ns()
        self.stdout_path = out_dir / f"stdout-{stamp}.log"
        self.stderr_path = out_dir / f"stderr-{stamp}.log"
        time_path = out_dir / f"time-{stamp}.txt"
        self.rss_samples = []     # (seconds since start, KiB)
        self.load = load()
        self.timed_out = False
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            start = time.monotonic()
            proc = spawn([TIME, "-o", str(time_path), "-f", "BENCH %U %S %M %x %w %c", *self.cmd],
                         self.cmd[0], cwd=cwd, stdout=out, stderr=err)
            timer = threading.Timer(timeout, self._kill, args=(proc,))
            timer.daemon = True
            timer.start()
            sampler = None
            if sample_rss:
                sampler = threading.Thread(target=self._sample, args=(proc.pid, start),
                                           daemon=True)
                sampler.start()
            proc.wait()
            self.wall = time.monotonic() - start
            timer.cancel()
            _started.pop(proc.pid, None)
            if sampler:
                sampler.join(timeout=2)
        numbers = re.search(r"^BENCH ([\d.]+) ([\d.]+) (\d+) (-?\d+) (\d+) (\d+)$",
                            time_path.read_text() if time_path.exists() else "", re.M)
        if not numbers:
            raise RuntimeError(f"no GNU time output for {' '.join(self.cmd)} "
                               f"(timed out: {self.timed_out}):\n{self.stderr[-800:]}")
        self.user = float(numbers.group(1))
        self.sys = float(numbers.group(2))
        self.cpu = self.user + self.sys
        self.maxrss_kb = int(numbers.group(3))
        self.returncode = int(numbers.group(4))
        self.ctx_switches = int(numbers.group(5)) + int(numbers.group(6))
        if self.timed_out:
            self.returncode = -9

    def _kill(self, proc):
        # The command first (GNU time's child), so time still reports it.
        self.timed_out = True
        for pid in child_pids(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _sample(self, time_pid, start):
        # Resident size of the command (GNU time's child), every 0.1 s.
        deadline = time.monotonic() + 5
        children = []
        while not children and time.monotonic() < deadline:
            children = child_pids(time_pid)
            if not children:
                time.sleep(0.005)
        if not children:
            return
        status = Path(f"/proc/{children[0]}/statm")
        while True:
            try:
                resident = int(status.read_text().split()[1]) * PAGE_KB
            except (OSError, ValueError, IndexError):
                return
            self.rss_samples.append((round(time.monotonic() - start, 3), resident))
            time.sleep(0.1)

    @property
    def stdout(self):
        return self.stdout_path.read_text(errors="replace")

    @property
    def stderr(self):
        return self.stderr_path.read_text(errors="replace")

    def check(self, allowed=(0,)):
        if self.timed_out:
            raise RuntimeError(f"timed out and killed: {' '.join(self.cmd)}")
        if self.returncode not in allowed:
            hint = ""
            if "unknown key" in self.stdout + self.stderr:
                hint = ("\nbench: config/orders.toml has a key this build does not know: "
                        "is the build older than the source tree? Rebuild it.")
            raise RuntimeError(f"exit {self.returncode}: {' '.join(self.cmd)}\n"
                               f"{self.stdout[-1500:]}\n{self.stderr[-1500:]}{hint}")
        return self


# ---------------------------------------------------------------- job files

_template_text = None


def job_template():
    """config/orders.toml as it was when first asked for: every run of one
    driver uses the same job even if the file is edited meanwhile."""
    global _template_text
    if _template_text is None:
        _template_text = (ROOT / "config" / "orders.toml").read_text()
    return _template_text


def job_file(overrides, path):
    """Writes config/orders.toml to `path` with some keys replaced.
    `overrides` maps (table, key) to the TOML text of the new value; every
    one must match a key line of that table."""
    pending = dict(overrides)
    table = ""
    out = []
    for line in job_template().splitlines():
        header = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
        if header:
            table = header.group(1).strip()
        else:
            key = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
            if key and (table, key.group(1)) in pending:
                line = f"{key.group(1)} = {pending.pop((table, key.group(1)))}"
        out.append(line)
    if pending:
        raise RuntimeError(f"config/orders.toml: no line for {sorted(pending)}")
    Path(path).write_text("\n".join(out) + "\n")
    return path


def toml_string(text):
    return json.dumps(str(text))


def fetchctl_summary(stdout):
    """The numbers of fetchctl's closing summary."""
    summary = {}
    match = re.search(r"requests\s+(\d+) in ([\d.]+) s", stdout)
    if match:
        summary["requests"] = int(match.group(1))
        summary["elapsed"] = float(match.group(2))
    match = re.search(r"items\s+(\d+) written, (\d+) failed", stdout)
    if match:
        summary["written"] = int(match.group(1))
        summary["failed"] = int(match.group(2))
    return summary


def csv_check(path, expected_ids):
    """(rows, unique ids, ids match expected exactly, in order)."""
    ids = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for row in reader:
            ids.append(int(row[0]))
    unique = set(ids)
    return {
        "rows": len(ids),
        "unique_ids": len(unique),
        "ids_ok": unique == set(expected_ids) and len(ids) == len(unique),
        "in_order": ids == sorted(ids),
    }


# ---------------------------------------------------------------- tables

def table(headers, rows, align=None):
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    align = align or ["l"] + ["r"] * (len(headers) - 1)
    lines = []
    for n, row in enumerate(cells):
        parts = [c.ljust(w) if a == "l" else c.rjust(w)
                 for c, w, a in zip(row, widths, align)]
        lines.append("| " + " | ".join(parts) + " |")
        if n == 0:
            lines.append("|" + "|".join(("-" * (w + 1) + ":") if a == "r" else
                                        (":" + "-" * (w + 1)) for w, a in zip(widths, align))
                         + "|")
    return "\n".join(lines)


def median(values):
    values = sorted(values)
    if not values:
        return float("nan")
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def write_json(path, data):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=1) + "\n")
