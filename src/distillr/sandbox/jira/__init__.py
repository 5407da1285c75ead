"""A local JIRA Cloud API: seeded data, JQL, JIRA's paging, test endpoints, faults."""

from distillr.sandbox.jira.server import JiraSandbox

__all__ = ["JiraSandbox"]
