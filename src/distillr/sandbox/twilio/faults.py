"""The Twilio sandbox's faults are the shared ones (:mod:`distillr.sandbox.faults`)."""

from distillr.sandbox.faults import Faults

__all__ = ["Faults"]
