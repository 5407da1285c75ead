"""Twilio as a data source: every list endpoint of Twilio's specs as a SQL table."""

from distillr.connectors.twilio.connector import TwilioConnector

__all__ = ["TwilioConnector"]
