"""OpenAPI import: a Custom API definition made from an API's own OpenAPI (or Swagger) spec.

::

    from distillr.connectors.rest.openapi import import_openapi, load_spec

    made = import_openapi(load_spec("twilio_api_v2010.json"), params={"AccountSid": "AC..."},
                          options={"username": "AC..."}, include=["/2010-04-01/*/Calls*"])
    print(made.report.text())           # tables, parameters, paginators; what was skipped
    definition = made.source_def()      # a SourceDef, as a hand-written one

The pieces: :mod:`.spec` (loading, versions, ``$ref``), :mod:`.columns` (schemas as column
types), :mod:`.params`, :mod:`.paging` (paginator detection), :mod:`.naming` (table names),
:mod:`.auth` (security schemes), :mod:`.build` (operations as endpoints) and :mod:`.report`.
See ``docs/openapi.md``.
"""

from distillr.connectors.rest.openapi.build import Imported, import_openapi
from distillr.connectors.rest.openapi.report import Report, Skipped, TableReport
from distillr.connectors.rest.openapi.spec import OpenApiError, Spec, load_spec, parse_spec

__all__ = [
    "Imported",
    "OpenApiError",
    "Report",
    "Skipped",
    "Spec",
    "TableReport",
    "import_openapi",
    "load_spec",
    "parse_spec",
]
