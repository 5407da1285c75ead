"""Web app benchmark: time from Run to the first rows shown, in a real browser (Chromium).

Runs the Twilio sandbox with 125,000 messages, the web app, and headless Chromium; runs
``SELECT * FROM src.messages LIMIT 100`` and ``... LIMIT 100000``
from the query window, several times each, and prints:

- run -> first paint: from pressing Run to the grid's first rows on screen (server included),
  and its parts: the query on the server (the job's own time), the download of the result,
  data -> first paint (below), and the rest (sending the query, polling for its end);
- data -> first paint: from the result's bytes arriving in the page to the first rows on screen
  (decoding the Arrow stream and building the grid; the goal is under 1 s for 100,000 rows);
- the longest task blocking the page after the data arrived, and the time to scroll the grid
  to its last row (the page must not freeze);
- first contentful paint of a cold page load;
- all of it for this build and for a baseline build (the front end built on git ref ``main``,
  served by the same server code in the same run), with the ratios (the goal: no more than
  1.10);
- the bytes of a page load as they are, and compressed as the server sends them off loopback
  (the whole page, its JavaScript, ``/api/tree``).

The comparison is made to stand noise (a shared machine, one Python process serving both
builds): each build keeps one warm page open, the builds take turns query by query in the
order A B B A (a busier moment hits both), each server keeps only its last results (memory
filling up would slow the later runs), and a ratio is the median of each turn's ratio, with
the range of those ratios printed beside it ("noisy" when it spans more than 25%). CPU times
(the page's main thread; this process, which runs the sandbox, the servers and DuckDB) are
measured beside wall times: on a busy machine they move far less. A build measured against
itself (``--baseline HEAD``) shows the noise of the machine.

Usage: python bench/web_bench.py [--rows 100000] [--repeat 5] [--loads 9] [--baseline main]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import sys
import tempfile
import time

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

LONGTASKS = """
window.__longtasks = [];
new PerformanceObserver(list => { for (const e of list.getEntries())
  window.__longtasks.push({start: e.startTime, duration: e.duration}); })
  .observe({type: 'longtask', buffered: false});
"""


RESET = """() => {
    window.__distillr.timings = []; window.__longtasks = [];
    performance.clearResourceTimings(); performance.setResourceTimingBufferSize(100000);
}"""

# when the page asked for the result and when its last byte came (Resource Timing: the same
# clock as the page's own timings, and the same for any build of the front end)
RESULT_FETCH = """() => {
    const e = performance.getEntriesByType('resource')
        .filter(e => e.name.includes('/result?format=arrow')).pop();
    return e ? {start: e.startTime, end: e.responseEnd} : null;
}"""

# the server's own time for the newest job (its queue wait included)
SERVER_TIME = """async () => {
    const jobs = await (await fetch('/api/queries')).json();
    return jobs.length ? jobs[0].elapsed : null;
}"""


def cpu_seconds(cdp) -> tuple[float, float]:
    """CPU time so far of the page's main thread (Chromium's ThreadTime) and of this process
    (the sandbox, the web servers and DuckDB run in it): unlike wall time, little changed by
    other work on a busy machine."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    use = resource.getrusage(resource.RUSAGE_SELF)
    return metrics["ThreadTime"], use.ru_utime + use.ru_stime


def run_query(page, cdp, sql: str) -> dict:
    page.bring_to_front()
    page.evaluate(RESET)
    page.locator(".cm-content").focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(sql)
    page.keyboard.press("Escape")
    page_cpu, server_cpu = cpu_seconds(cdp)
    page.click("button.run")
    page.wait_for_function(
        "() => window.__distillr.timings.length > 0", timeout=300_000, polling=100
    )
    page_cpu, server_cpu = (b - a for a, b in zip((page_cpu, server_cpu), cpu_seconds(cdp)))
    t = page.evaluate("() => window.__distillr.timings[0]")
    fetched = page.evaluate(RESULT_FETCH)
    server = page.evaluate(SERVER_TIME)
    rows = int(page.get_attribute(".grid-box", "data-rows"))
    # scroll to the last row: the grid must stay responsive
    t0 = time.perf_counter()
    page.evaluate("""() => new Promise(resolve => {
        const holder = document.querySelector('.tabulator-tableholder');
        holder.scrollTop = holder.scrollHeight;
        requestAnimationFrame(() => requestAnimationFrame(resolve)); })""")
    page.wait_for_function(
        "n => [...document.querySelectorAll('.tabulator-row .rownum')]"
        ".some(c => c.textContent === String(n))",
        arg=rows,
        timeout=30_000,
    )
    scroll = time.perf_counter() - t0
    longest = page.evaluate(
        "arrived => Math.max(0, ...window.__longtasks.filter(t => t.start + t.duration >= arrived)"
        ".map(t => t.duration))",
        t["arrived"],
    )
    run_to_paint = t["runToPaint"] / 1000
    download = (fetched["end"] - fetched["start"]) / 1000 if fetched else float("nan")
    server = server if server is not None else float("nan")
    return {
        "rows": rows,
        "run_to_paint": run_to_paint,
        "server": server,
        "download": download,
        "rest": run_to_paint - server - download - t["arriveToPaint"] / 1000,
        "page_cpu": page_cpu,
        "server_cpu": server_cpu,
        "data_to_paint": t["arriveToPaint"] / 1000,
        "decode": t["decode"] / 1000,
        "build": t["build"] / 1000,
        "longest_task": longest / 1000,
        "scroll_to_end": scroll,
    }


PAGE_SIZES = """() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const all = [nav, ...res];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return {
        fcp: fcp ? fcp.startTime / 1000 : null,
        wire: all.reduce((n, e) => n + (e.encodedBodySize || 0), 0),
        body: all.reduce((n, e) => n + (e.decodedBodySize || 0), 0),
        js: res.filter(e => e.name.endsWith('.js')).reduce((n, e) => n + e.decodedBodySize, 0),
        js_wire: res.filter(e => e.name.endsWith('.js')).reduce((n, e) => n + e.encodedBodySize, 0),
        tree: res.filter(e => e.name.includes('/api/tree'))
            .map(e => [e.encodedBodySize, e.decodedBodySize])[0] || [0, 0],
    };
}"""


def baseline_static(ref: str) -> str | None:
    """The built front end of git ``ref`` (default main), in a temporary folder."""
    import io
    import subprocess
    import tarfile

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        tar = subprocess.run(
            ["git", "-C", root, "archive", ref, "src/distillr/server/static"],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    out = tempfile.mkdtemp(prefix="distillr-web-baseline-")
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(out, filter="data")
    return os.path.join(out, "src", "distillr", "server", "static")


def page_load(browser, url: str) -> dict:
    """A cold load of the page (no cache): first contentful paint and bytes moved."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_selector("[data-source=src]")
    page.wait_for_timeout(300)
    out = page.evaluate(PAGE_SIZES)
    ctx.close()
    return out


def open_page(browser, url: str):
    """A page on ``url``, kept open for every run of its build, with the long-task observer;
    and its DevTools session (for CPU times)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.add_init_script(LONGTASKS)
    page.goto(url)
    page.wait_for_selector("[data-source=src]")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
    return page, cdp


def turns(names: list[str], repeat: int):
    """The builds' order for each turn: A B, then B A, and so on."""
    for turn in range(repeat):
        yield turn, names if turn % 2 == 0 else names[::-1]


def median_range(values: list[float]) -> tuple[float, float, float]:
    values = [v for v in values if v == v]  # no NaN
    if not values:
        return float("nan"), float("nan"), float("nan")
    return statistics.median(values), min(values), max(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="turns of queries per build")
    parser.add_argument("--loads", type=int, default=9, help="cold page loads per build")
    parser.add_argument(
        "--baseline", default="main", help="git ref whose built front end is the baseline"
    )
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        print(f"skipped: {CHROMIUM} is missing (python scripts/test_setup.py installs it)")
        return 0
    from playwright.sync_api import sync_playwright

    from distillr.registry import Registry
    from distillr.sandbox import TwilioSandbox
    from distillr.server import create_app
    from distillr.server.background import BackgroundServer
    from distillr.server.settings import ServerSettings

    home = tempfile.mkdtemp(prefix="distillr-web-bench-")
    old = baseline_static(args.baseline)
    builds = {"this build": None}
    if old:
        builds = {f"baseline ({args.baseline})": old, "this build": None}
    else:
        print(f"(no baseline: git ref {args.baseline!r} has no built front end)")
    print(f"starting the sandbox with {int(args.rows * 1.25):,} messages ...", flush=True)
    queries = {
        "100 rows": "SELECT * FROM src.messages LIMIT 100",
        f"{args.rows:,} rows": f"SELECT * FROM src.messages LIMIT {args.rows}",
    }
    big_label = f"{args.rows:,} rows"
    names = list(builds)
    loads: dict[str, list[dict]] = {name: [] for name in names}
    runs = {name: {k: [] for k in queries} for name in names}
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    # the main account holds most, not all, of the sandbox's messages: make enough of them
    with TwilioSandbox(seed=42, messages=int(args.rows * 1.25)) as sb:
        Registry(home).add(
            "twilio",
            "src",
            {"account_sid": sb.account_sid, "base_url": sb.base_url},
            {"auth_token": sb.auth_token},
        )
        # each server keeps its last two results only: memory filling up with earlier
        # results (and spilling to disk) would slow whichever runs later
        kept = ServerSettings(keep_results=2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            with contextlib.ExitStack() as stack:
                urls = {
                    name: stack.enter_context(
                        BackgroundServer(create_app(home, static_dir=st, settings=kept))
                    )
                    for name, st in builds.items()
                }
                for _, order in turns(names, args.loads):
                    for name in order:
                        loads[name].append(page_load(browser, urls[name]))
                pages = {name: open_page(browser, url) for name, url in urls.items()}
                for name in names:  # warm-up: caches, JIT
                    run_query(*pages[name], queries["100 rows"])
                for _, order in turns(names, args.repeat):
                    for label, sql in queries.items():
                        for name in order:
                            runs[name][label].append(run_query(*pages[name], sql))
                for page, _ in pages.values():
                    page.close()
            # what a client off this machine moves: compressed, as the server sends it there
            zipped = ServerSettings(compress_loopback=True)
            with BackgroundServer(create_app(home, settings=zipped)) as url:
                wire = page_load(browser, url)
            browser.close()
    report(args, runs, loads, wire, big_label)
    print(
        f"({time.perf_counter() - started:.0f} s; load average {load_before:.1f} at the start,"
        f" {os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores)"
    )
    return 0


ROWS = [
    ("run_to_paint", "Run -> first rows shown"),
    ("server", "  of which: the query on the server"),
    ("download", "  of which: downloading the result"),
    ("data_to_paint", "  of which: data arrived -> rows shown"),
    ("rest", "  of which: requests and polling"),
    ("page_cpu", "CPU, Run -> rows: the page's main thread"),
    ("server_cpu", "CPU, Run -> rows: sandbox, server, DuckDB"),
    ("data_to_paint", "data arrived -> first rows shown"),
    ("decode", "  of which: decoding the Arrow stream"),
    ("build", "  of which: building the grid"),
    ("longest_task", "longest page freeze after the data"),
    ("scroll_to_end", "scroll to the last row"),
]


def report(args, runs, loads, wire, big_label: str) -> None:
    names = list(runs)
    for name, results in runs.items():
        print(f"\n{name}: median of {args.repeat} runs, seconds      100 rows   {big_label:>14}")
        small, big = results["100 rows"], results[big_label]
        for key, label in ROWS:
            a = median_range([r[key] for r in small])[0]
            b, lo, hi = median_range([r[key] for r in big])
            print(f"{label:<40} {a:8.3f}   {b:14.3f}   ({lo:.3f} to {hi:.3f})")
        fcp, lo, hi = median_range([x["fcp"] for x in loads[name]])
        label = "first contentful paint (cold load)"
        print(f"{label:<40} {fcp:8.3f}   {'':14}   ({lo:.3f} to {hi:.3f})")

    if len(names) == 2:
        base, new = names
        print(
            f"\nthis build against {base}: the median of the turns' ratios (their range);"
            " the goal is at most 1.10"
        )
        fcp = [(b["fcp"], t["fcp"]) for b, t in zip(loads[base], loads[new], strict=True)]
        pairs = [("first contentful paint", fcp, True)]
        for key, label, goal in [
            ("data_to_paint", "paint (data -> rows shown)", True),
            ("run_to_paint", "Run -> rows shown", True),
            ("server", "  the query on the server", False),
            ("download", "  downloading the result", False),
            ("rest", "  requests and polling", False),
            ("page_cpu", "CPU: the page's main thread", True),
            ("server_cpu", "CPU: sandbox, server, DuckDB", False),
        ]:
            got = zip(runs[base][big_label], runs[new][big_label], strict=True)
            pairs.append((f"{big_label} {label}", [(b[key], t[key]) for b, t in got], goal))
        noisy = False
        for label, pair, goal in pairs:
            ratios = [t / b for b, t in pair if b > 0]
            ratio, lo, hi = median_range(ratios)
            b = median_range([x for x, _ in pair])[0]
            t = median_range([y for _, y in pair])[0]
            verdict = ("ok" if ratio <= 1.10 else "REGRESSED") if goal else ""
            if goal and len(ratios) > 1 and (lo < 0.9 or hi > 1.1) and hi / lo > 1.25:
                verdict += " (noisy)"
                noisy = True
            print(
                f"  {label:<44} {b:7.3f} -> {t:7.3f}   {ratio:5.2f}x"
                f" ({lo:.2f} to {hi:.2f})  {verdict}"
            )
        if noisy:
            print(
                "  (noisy: the turns' ratios spread more than 25%; wall times need a quiet"
                " machine, the CPU times less so)"
            )

    kib = 1024
    plain = loads[names[-1]][0]
    print(
        f"\npage load, this build: {plain['body'] / kib:,.0f} KiB of files"
        f" (JavaScript {plain['js'] / kib:,.0f} KiB); on loopback sent as they are"
    )
    tree_wire, tree_body = wire["tree"]
    print(
        f"compressed, as sent off loopback: {wire['wire'] / kib:,.0f} KiB in all"
        f" ({wire['wire'] / max(wire['body'], 1):.0%}), JavaScript {wire['js_wire'] / kib:,.0f}"
        f" KiB, /api/tree {tree_wire / kib:,.1f} KiB of {tree_body / kib:,.1f} KiB"
    )
    med = median_range([r["data_to_paint"] for r in runs[names[-1]][big_label]])[0]
    print(
        f"goal (the big result painted under 1 s after the data arrives): "
        f"{'met' if med < 1.0 else 'NOT met'} (median {med:.3f} s)"
    )


if __name__ == "__main__":
    sys.exit(main())
