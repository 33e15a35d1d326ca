"""What every route needs: the process's :class:`~affectlab.surfaces.service.state.Service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from affectlab.surfaces.service.state import Service

__all__ = ["ServiceDep", "get_service"]


async def get_service(request: Request) -> Service:
    """The service state of the app answering ``request`` (async: no thread hop per request)."""
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]
