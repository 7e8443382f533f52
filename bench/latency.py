#!/usr/bin/env python3
"""What apply and plan cost when each request takes a round trip: infra against the local endpoints through
counting proxies that add a fixed delay per request (bench/latency_proxy.py), for N = 100 (and 1,000) objects.

    bench/latency.py [--sizes 100,1000] [--infra PATH] [--parallelism P]

Starts its own emulator (`python -m infra_emulator up` on free ports, state in bench/out/latency/local) and
stops it at the end, so it does not touch `infra local up`'s. infra reaches the emulator through environment
files: `proxied` names the proxies' ports, `direct` the emulator's own (the embedded default, no delay).
Prints, for each N: wall time, requests (SQL API / AWS, as the proxies counted them, retries included) and the
infra process's CPU (user + sys, from wait4) and the emulator servers' (from /proc) for

  apply N schemas at 0 ms and at 300 ms per request (the difference is the latency cost)
  apply N warehouses at 0 ms
  a no-op plan of N fully configured buckets at 100 ms (applied first at 0 ms)
  apply bench/generate_snowflake_stack.py N on the embedded Snowflake, and its no-op plan

Each stack is destroyed after its measures (at 0 ms). It reports; it asserts nothing. The machine's load
(`uptime`) is printed before and after: the numbers are only comparable on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from latency_proxy import LatencyProxy, ProxyThread  # noqa: E402


@dataclass
class Run:
    """One infra command: its wall time, CPU and exit status, and the requests the proxies counted."""

    wall: float
    cpu: float
    status: int
    emulator_cpu: float = 0.0
    snowflake_requests: int | None = None
    aws_requests: int | None = None
    summary: str = ""

    def requests(self) -> str:
        if self.snowflake_requests is None:
            return "-"
        return f"{self.snowflake_requests + self.aws_requests} ({self.snowflake_requests} SQL API, {self.aws_requests} AWS)"

    def cpu_share(self) -> str:
        return f"{self.cpu:.1f} s ({100 * self.cpu / self.wall:.0f} % of wall)" if self.wall else "-"


class Bench:
    def __init__(self, infra: str, parallelism: str | None, out: str):
        self.infra, self.parallelism, self.out = infra, parallelism, out
        self.local = os.path.join(out, "local")
        self.proxies = ProxyThread()

    # -- the emulator and the proxies ------------------------------------------------------------
    def start(self) -> None:
        ports = [_free_port() for _ in range(3)]
        self._launcher("up", "--aws-port", str(ports[0]), "--snowflake-port", str(ports[1]),
                       "--connector-port", str(ports[2]))
        with open(os.path.join(self.local, "status.json")) as f:
            status = json.load(f)
        aws, snowflake = status["aws"], status["snowflake"]
        self.credentials = os.path.join(self.out, "aws-credentials")
        with open(self.credentials, "w") as f:
            f.write(f"[local]\naws_access_key_id = {aws['access_key_id']}\naws_secret_access_key = {aws['secret_access_key']}\n")
        self.key_file = snowflake["private_key_file"]
        self.aws_port, self.snowflake_port = ports[0], ports[1]
        with open(os.path.join(self.local, "pids.json")) as f:
            self.emulator_pids = [entry["pid"] for entry in json.load(f).values() if isinstance(entry, dict)]
        self.aws_proxy: LatencyProxy = self.proxies.add(self.aws_port)
        self.snowflake_proxy: LatencyProxy = self.proxies.add(self.snowflake_port)

    def stop(self) -> None:
        self.proxies.close([self.aws_proxy, self.snowflake_proxy])
        self._launcher("down")

    def _launcher(self, *arguments: str) -> None:
        env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "emulator")}
        subprocess.run([os.path.join(ROOT, ".venv/bin/python"), "-m", "infra_emulator", *arguments, "--dir", self.local],
                       check=True, env=env, stdout=subprocess.DEVNULL)

    def emulator_cpu(self) -> float:
        """CPU seconds (user + sys) the two emulator servers have used so far (Linux: /proc/PID/stat)."""
        total = 0
        for pid in self.emulator_pids:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return total / os.sysconf("SC_CLK_TCK")

    # -- projects and commands ---------------------------------------------------------------------
    def project(self, name: str, stack: str | None = None) -> str:
        """A project folder with the stack `bench` and the environments `proxied` and `direct`."""
        directory = os.path.join(self.out, name)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(os.path.join(directory, "stacks"))
        os.makedirs(os.path.join(directory, "environments"))
        if stack is not None:
            with open(os.path.join(directory, "stacks", "bench.yaml"), "w") as f:
                f.write(stack)
        for env, aws_port, snowflake_port in (("proxied", self.aws_proxy.port, self.snowflake_proxy.port),
                                              ("direct", self.aws_port, self.snowflake_port)):
            with open(os.path.join(directory, "environments", f"{env}.yaml"), "w") as f:
                f.write(f"name: {env}\n"
                        f"aws: {{region: us-east-1, account_id: \"000000000000\", endpoint: \"http://127.0.0.1:{aws_port}\", "
                        f"credentials_file: {self.credentials}, profile: local}}\n"
                        f"snowflake: {{account: LOCAL, user: DEPLOYER, private_key_file: \"{self.key_file}\", "
                        f"endpoint: \"http://127.0.0.1:{snowflake_port}\"}}\n")
        return directory

    def run(self, project: str, command: str, env: str = "proxied", delay_ms: int = 0) -> Run:
        arguments = [self.infra, command, "bench", "--env", env]
        if command in ("apply", "destroy"):
            arguments.append("--auto-approve")
            if self.parallelism:
                arguments += ["--parallelism", self.parallelism]
        if command == "plan":
            arguments.append("--detailed-exitcode")
        self.proxies.set_delay([self.aws_proxy, self.snowflake_proxy], delay_ms)
        log_path = os.path.join(project, f"{command}-{env}-{delay_ms}ms.log")
        emulator_before = self.emulator_cpu()
        with open(log_path, "w") as log:
            start = time.monotonic()
            child = subprocess.Popen(arguments, cwd=project, stdout=log, stderr=subprocess.STDOUT)
            try:
                _, status, usage = os.wait4(child.pid, 0)
            except BaseException:
                child.kill()
                raise
            wall = time.monotonic() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        with open(log_path) as f:
            lines = [line.strip() for line in f if line.strip()]
        run = Run(wall, usage.ru_utime + usage.ru_stime, child.returncode, self.emulator_cpu() - emulator_before,
                  summary=lines[-1] if lines else "")
        if env == "proxied":
            run.snowflake_requests, run.aws_requests = self.snowflake_proxy.total, self.aws_proxy.total
        failed = child.returncode not in (0, 2) if command == "plan" else child.returncode != 0
        if failed:
            print(f"  ! infra {command} exited {child.returncode}; see {log_path}: {run.summary}", flush=True)
        return run


def schemas_stack(n: int) -> str:
    return "stack: latency-schemas\nresources:\n  db: {type: snowflake.database, name: LATENCY_SCHEMAS}\n" + "".join(
        f"  s{i}: {{type: snowflake.schema, database: \"${{db}}\", name: S{i}}}\n" for i in range(n))


def warehouses_stack(n: int) -> str:
    return "stack: latency-warehouses\nresources:\n" + "".join(
        f"  w{i}: {{type: snowflake.warehouse, name: LATENCY_WH_{i}, size: xsmall, auto_suspend: 60}}\n" for i in range(n))


def buckets_stack(n: int) -> str:
    """Buckets with versioning, encryption, a public access block, lifecycle rules and tags."""
    return "stack: latency-buckets\nresources:\n" + "".join(
        f"  b{i}:\n    type: aws.s3.bucket\n    name: latency-bucket-{i}\n    versioning: true\n    encryption: AES256\n"
        f"    public_access: blocked\n    lifecycle_rules:\n      - {{id: expire, prefix: raw/, expire_days: 90, noncurrent_expire_days: 7}}\n"
        f"    tags: {{team: data, bench: latency}}\n    force_destroy: true\n" for i in range(n))


def measure(bench: Bench, n: int) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []

    def row(label: str, run: Run) -> None:
        rows.append((label, f"{run.wall:.1f} s" + ("" if run.status in (0, 2) else " (failed)"), run.requests(),
                     run.cpu_share(), f"{run.emulator_cpu:.1f} s"))
        print(f"  {label}: {rows[-1][1]}, {rows[-1][2]} requests, infra CPU {rows[-1][3]}, emulator CPU {rows[-1][4]}",
              flush=True)

    project = bench.project(f"schemas-{n}", schemas_stack(n))
    at_0 = bench.run(project, "apply")
    row(f"apply {n} schemas, 0 ms (embedded Snowflake)", at_0)
    bench.run(project, "destroy")
    at_300 = bench.run(project, "apply", delay_ms=300)
    row(f"apply {n} schemas, 300 ms", at_300)
    rows.append((f"apply {n} schemas: latency cost (300 ms − 0 ms)", f"{at_300.wall - at_0.wall:.1f} s", "", "", ""))
    print(f"  {rows[-1][0]}: {rows[-1][1]}", flush=True)
    bench.run(project, "destroy")

    project = bench.project(f"warehouses-{n}", warehouses_stack(n))
    row(f"apply {n} warehouses, 0 ms", bench.run(project, "apply"))
    bench.run(project, "destroy")

    project = bench.project(f"buckets-{n}", buckets_stack(n))
    bench.run(project, "apply")
    row(f"no-op plan, {n} fully configured buckets, 100 ms", bench.run(project, "plan", delay_ms=100))
    bench.run(project, "destroy")

    project = bench.project(f"snowflake-stack-{n}")
    subprocess.run([sys.executable, os.path.join(HERE, "generate_snowflake_stack.py"), str(n), project, ROOT], check=True)
    os.remove(os.path.join(project, "environments", "dev.yaml"))
    applied = bench.run(project, "apply", env="direct")
    added = re.search(r"(\d+) added", applied.summary)
    row(f"embedded: apply generate_snowflake_stack.py {n} ({added.group(1) if added else '?'} resources)", applied)
    row(f"embedded: its no-op plan", bench.run(project, "plan", env="direct"))
    bench.run(project, "destroy", env="direct")
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100", help="comma-separated object counts (default 100; 1000 is slow)")
    parser.add_argument("--infra", help="the infra binary (default: the release build, built if needed)")
    parser.add_argument("--parallelism", help="passed to apply and destroy (default: infra's own)")
    args = parser.parse_args()
    # Stopped with SIGTERM (or SIGINT, which a background job ignores): still stop the emulator it started.
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    infra = args.infra
    if infra is None:
        subprocess.run(["swift", "build", "-c", "release", "--product", "infra"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        bin_path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                                  capture_output=True, text=True).stdout.strip()
        infra = os.path.join(bin_path, "infra")
    out = os.path.join(HERE, "out", "latency")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    print(f"load before: {_uptime()}", flush=True)
    bench = Bench(os.path.abspath(infra), args.parallelism, out)
    bench.start()
    results = []
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            print(f"N = {n}", flush=True)
            results += measure(bench, n)
    finally:
        bench.stop()
    print(f"load after: {_uptime()}\n")
    print("| measure | wall | requests | infra CPU (user+sys) | emulator CPU |\n|---|---|---|---|---|")
    for row in results:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
