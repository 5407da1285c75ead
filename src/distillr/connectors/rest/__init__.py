"""Custom API sources: any REST API, described by a definition, as SQL tables.

See ``docs/custom-api.md``. The public API: :class:`RestConnector`, the definition model
(:class:`SourceDef`, :class:`EndpointDef`, :class:`ParamDef`), loading and export
(:func:`load_file`, :func:`load_text`, :func:`load_definition`, :func:`dump_yaml`), and the
shipped templates (:func:`template_names`, :func:`load_template`).
"""

from distillr.connectors.rest.connector import Refresh, RestConnector
from distillr.connectors.rest.definition import EndpointDef, ParamDef, SourceDef
from distillr.connectors.rest.loading import (
    DefinitionError,
    dump_yaml,
    load_definition,
    load_file,
    load_text,
)
from distillr.connectors.rest.templates import Template, load_template, template, template_names

__all__ = [
    "DefinitionError",
    "EndpointDef",
    "ParamDef",
    "Refresh",
    "RestConnector",
    "SourceDef",
    "Template",
    "dump_yaml",
    "load_definition",
    "load_file",
    "load_template",
    "load_text",
    "template",
    "template_names",
]
