"""Install what the test suite needs beyond Python packages: Debian's Chromium for the
browser tests, Debian's postgresql-client (psql) for the PostgreSQL wire tests and a Java 17+
runtime for the Spark tests. Run by `make test` before pytest; does nothing when all are
present."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"

#: (what is missing, the Debian packages that bring it, the tests that need it)
NEEDS = [
    (CHROMIUM, ["chromium", "fonts-dejavu-core"], "the browser tests"),
    ("psql", ["postgresql-client"], "the psql parts of the PostgreSQL wire tests"),
    ("java", ["openjdk-17-jre-headless"], "the Spark tests"),
]


def _present(thing: str) -> bool:
    if thing == "java" and os.environ.get("JAVA_HOME"):
        return True
    return os.path.exists(thing) if thing.startswith("/") else shutil.which(thing) is not None


def main() -> int:
    missing = [(thing, packages, tests) for thing, packages, tests in NEEDS if not _present(thing)]
    if not missing:
        return 0
    if not shutil.which("apt-get") or os.geteuid() != 0:
        for thing, _, tests in missing:
            print(
                f"note: {thing} is missing and cannot be installed here (needs root and"
                f" apt-get); {tests} will be skipped.",
                file=sys.stderr,
            )
        return 0
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    packages = [p for _, names, _ in missing for p in names]
    print(f"installing Debian's {', '.join(packages)} for the tests ...", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
