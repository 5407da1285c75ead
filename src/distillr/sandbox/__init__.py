"""Local stand-ins for the APIs distillr reads, for the demo, the tests and the benchmarks."""

from distillr.sandbox.twilio import Faults, TwilioSandbox

__all__ = ["Faults", "TwilioSandbox"]
