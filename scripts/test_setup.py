"""Install what the test suite needs beyond Python packages: Debian's Chromium for the
browser tests and a Java 17+ runtime for the Spark tests. Run by `make test` before pytest;
does nothing when both are present."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"


#: Debian package -> (what needs it, how to tell it is there)
NEEDED = {
    "chromium": ("the browser tests", lambda: os.path.exists(CHROMIUM)),
    "openjdk-17-jre-headless": (
        "the Spark tests",
        lambda: bool(os.environ.get("JAVA_HOME") or shutil.which("java")),
    ),
}


def main() -> int:
    missing = [pkg for pkg, (_, present) in NEEDED.items() if not present()]
    if not missing:
        return 0
    if not shutil.which("apt-get") or os.geteuid() != 0:
        for pkg in missing:
            print(
                f"note: {pkg} is missing and cannot be installed here (needs root and apt-get);"
                f" {NEEDED[pkg][0]} will be skipped.",
                file=sys.stderr,
            )
        return 0
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print(f"installing {', '.join(missing)} from Debian for the tests ...", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        [
            "apt-get",
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            *missing,
            *(["fonts-dejavu-core"] if "chromium" in missing else []),
        ],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
