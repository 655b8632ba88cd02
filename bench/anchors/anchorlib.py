"""Helpers shared by the anchor runners: the timing rule, the machine-load estimate and the
machine description, so that every runner measures the way `hens bench` does.

Timing rule (the same as hens' `Timing.measure`): call once untimed (caches, JIT compilation,
lazily built tables), then time calls until at least `min_runs` are done *and* `budget` seconds
have passed, with at most `max_runs` calls. Reported: median (upper middle sample, as hens),
min, max and the number of timed calls.
"""
import json
import os
import platform
import time


def int_list(text):
    """'1,8,32' -> [1, 8, 32]; '' -> []."""
    return [int(item) for item in text.split(",") if item.strip()]


def _busy_and_total_ticks():
    """Whole-machine (busy, total) clock ticks from /proc/stat, or None where it is missing."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu" or len(fields) < 9:
        return None
    ticks = [int(value) for value in fields[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, _steal = ticks
    return user + nice + system + irq + softirq, sum(ticks)


class OtherLoad:
    """Share of all CPU time that *other* processes used while a measurement ran, in percent:
    the machine's busy ticks minus this process's CPU time. hens records the same estimate as
    `other_cpu_pct`, so a ratio taken on a busy machine can be recognised as such."""

    def __init__(self):
        self.start = _busy_and_total_ticks()
        self.own = time.process_time()

    def percent(self):
        end = _busy_and_total_ticks()
        if self.start is None or end is None or end[1] <= self.start[1]:
            return None
        hz = os.sysconf("SC_CLK_TCK")
        others = (end[0] - self.start[0]) - (time.process_time() - self.own) * hz
        return round(max(0.0, 100.0 * others / (end[1] - self.start[1])), 1)


def measure(call, budget, min_runs, max_runs=10_000):
    """Times `call()` by the rule above; returns a dict of seconds and the other-load share."""
    call()
    load = OtherLoad()
    samples = []
    started = time.perf_counter()
    while len(samples) < min_runs or (time.perf_counter() - started < budget and len(samples) < max_runs):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return {"median_s": samples[len(samples) // 2], "min_s": samples[0], "max_s": samples[-1],
            "runs": len(samples), "other_cpu_pct": load.percent()}


def best_of(call, repeats):
    """Best wall time of `repeats` calls (after one untimed call) and the last call's result:
    the convention of the scoring libraries' own benchmarks, for single-threaded kernels whose
    best run is their undisturbed speed."""
    result = call()
    best = float("inf")
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - t0)
    return best, result


def cpu_name():
    """The CPU model from /proc/cpuinfo, else what platform knows."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine():
    """Python, CPU, core count, date and load averages of this run."""
    description = {"python": platform.python_version(), "cpu": cpu_name(), "nproc": os.cpu_count(),
                   "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    try:
        description["load_average"] = list(os.getloadavg())
    except OSError:
        pass
    return description


def version_of(module_name):
    """A module's __version__, or why it cannot be imported."""
    try:
        module = __import__(module_name)
    except Exception as error:  # any import failure is reported, not raised
        return f"unavailable ({type(error).__name__})"
    return getattr(module, "__version__", "unknown")


def write_json(path, document):
    """Writes the runner's document (the file hens reads with --anchor); progress stays on stderr."""
    if path:
        with open(path, "w") as out:
            json.dump(document, out, indent=1)
