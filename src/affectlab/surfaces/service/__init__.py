"""The HTTP service and dashboard (extra ``[server]``): ``affectlab serve``, or :func:`create_app` in code.

Every capability of the CLI over one typed API under ``/v1``: texts through a micro-batcher, uploaded
tables streamed back as NDJSON, arcs, conversations, evaluation, agreement, taxonomies; the records are
those of the Python API. The dashboard (plain HTML, CSS and JavaScript in ``static/``) is served at ``/``.
``docs/service.md`` shows how to run, call and deploy it.
"""

from affectlab.surfaces.service.app import create_app, create_app_from_env
from affectlab.surfaces.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app", "create_app_from_env"]
