"""Fixtures: one local Spark session for the whole run, the Twilio and JIRA sandboxes and a
registry of sources pointed at them, registered as the ``distillr`` data source."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

#: the secret of the source ``env_twilio`` comes from the executors' environment alone
ENV_SOURCE = "env_twilio"
#: the secret of ``driver_only`` is in the driver's environment alone, set after Spark started
#: (so neither the Python workers that plan a data source nor the executors have it)
DRIVER_ONLY = "driver_only"


def _java() -> bool:
    return bool(os.environ.get("JAVA_HOME") or shutil.which("java"))


@pytest.fixture(scope="session")
def sandbox():
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=42, scale="tiny") as sb:
        yield sb


@pytest.fixture(scope="session")
def slow_sandbox():
    from distillr.sandbox import TwilioSandbox

    # 50 pages of messages at 300 ms each: however the scan is split, more than a second
    with TwilioSandbox(seed=42, scale="tiny", messages=50_000, latency_ms=300) as sb:
        yield sb


@pytest.fixture(scope="session")
def jira():
    from distillr.sandbox import JiraSandbox

    with JiraSandbox(seed=7, scale="tiny") as sb:
        yield sb


@pytest.fixture(scope="session")
def home(sandbox, slow_sandbox, jira, tmp_path_factory):
    from distillr.connectors.rest import template
    from distillr.registry import Registry

    path = tmp_path_factory.mktemp("spark-home")
    reg = Registry(path)
    options = {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url}
    secrets = {"auth_token": sandbox.auth_token}
    for name in ("my_twilio", ENV_SOURCE, "no_secret", DRIVER_ONLY):
        reg.add("twilio", name, options=options, secrets=secrets, verify=False)
    slow = {"account_sid": slow_sandbox.account_sid, "base_url": slow_sandbox.base_url}
    reg.add("twilio", "slow_twilio", slow, {"auth_token": slow_sandbox.auth_token}, verify=False)
    t = template("jira")
    definition = t.definition({"domain": jira.base_url, "email": jira.email}).to_dict()
    reg.add("rest", "myjira", definition, t.source_secrets({"api_token": jira.api_token}))
    return path


@pytest.fixture(scope="session")
def spark(sandbox):
    if not _java():
        pytest.skip("Spark needs a Java 17+ runtime (java on PATH or JAVA_HOME); none found")
    pytest.importorskip("pyspark", reason="pip install 'distillr[spark]' for the Spark tests")
    from pyspark.sql import SparkSession

    from distillr.spark.definition import env_name

    # the Python workers run this interpreter (with distillr), and inherit the environment
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ[env_name(ENV_SOURCE, "auth_token")] = sandbox.auth_token
    session = (
        SparkSession.builder.master("local[2]")
        .appName("distillr-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    # Spark's JVM (and the Python workers it starts) took the environment as it was
    os.environ[env_name(DRIVER_ONLY, "auth_token")] = sandbox.auth_token
    yield session
    session.stop()


@pytest.fixture(scope="session")
def registered(spark, home):
    import distillr.spark

    return distillr.spark.register(spark, home, ship_secrets=["my_twilio", "myjira", "slow_twilio"])
