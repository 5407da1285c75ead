"""Run every benchmark in bench/, one after the other, each printing its own figures and the
baseline it measured in the same run. `make bench` runs this.

    python bench/run_all.py [--quick]
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# name -> extra arguments for a quick run
BENCHES = {
    "sandbox_bench.py": ["--quick"],
    "engine_bench.py": ["--quick"],
    "twilio_bench.py": [],
    "scale_bench.py": ["--repeat", "1"],
    "jira_bench.py": ["--issues", "5000", "--repeat", "1"],
    "cli_bench.py": ["--runs", "5"],
    "web_bench.py": ["--repeat", "1", "--loads", "3"],
    "server_bench.py": ["--rows", "1000000"],
    "openapi_bench.py": ["--runs", "3"],
    "cache_bench.py": ["--quick"],
    "clients_bench.py": ["--repeat", "1"],
    "output_bench.py": ["--quick"],
}


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    failed = []
    for name, quick_args in BENCHES.items():
        print(f"\n=== {name} ===", flush=True)
        args = quick_args if quick else []
        if subprocess.run([sys.executable, str(HERE / name), *args]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
