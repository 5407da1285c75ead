"""A local Twilio REST API: app (ASGI), data generator, faults."""

from distillr.sandbox.twilio.faults import Faults
from distillr.sandbox.twilio.server import TwilioSandbox

__all__ = ["Faults", "TwilioSandbox"]
