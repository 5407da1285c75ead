"""A SQLAlchemy 2 dialect for distillr: ``distillr://`` over the local registry and
``distillr+http://host:port`` over a ``distillr serve`` server. Registered by entry point, so
``create_engine("distillr://")`` works once distillr is installed.

>>> import sqlalchemy as sa
>>> engine = sa.create_engine("distillr://")                                # doctest: +SKIP
>>> sa.inspect(engine).get_table_names(schema="my_twilio")                 # doctest: +SKIP
"""

from distillr.sqlalchemy.dialect import DistillrDialect, DistillrHttpDialect, DistillrHttpsDialect

__all__ = ["DistillrDialect", "DistillrHttpDialect", "DistillrHttpsDialect"]
