"""The sandbox's data builders: one per resource, each a function of the dataset built so far.

:class:`~distillr.sandbox.twilio.data.Dataset` calls them in a fixed order: accounts and phone
numbers, messages and calls, then the resources that hang off them and the other products'
resources. The rules every builder keeps:

- **Deterministic.** A builder draws random numbers from a stream of its own, derived from the
  seed and its name (``V.rng_for(ds.seed, "calls")``), or from one of the two streams the related
  resources share, which ``Dataset`` passes in: ``rng`` (numpy) and ``prng`` (Python's
  ``random``). Shared streams are drawn in the order ``Dataset`` calls the builders, so that order
  is part of the data: a new builder takes a stream of its own, and then adding it changes no
  other resource's records. Values filled from a schema draw from a stream named after the table.
- **Related.** A builder reads what earlier builders left on the dataset (``call_raw`` and
  ``msg_raw``: the calls' and messages' raw columns in the API's order; ``number_records``,
  ``recording_records``, ...) so that records point at each other, and leaves only what later
  builders or the usage records read.
- **Self-wiring.** A builder stores its tables in ``ds.tables`` and binds the endpoints that list
  them in ``ds.bindings`` (see :mod:`~distillr.sandbox.twilio.builders.records`).
- **Columnar where large.** Calls, messages, recordings and media are built as numpy columns
  (a million messages in a couple of seconds); the small resources as records.
"""
