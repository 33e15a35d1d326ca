"""Reaching a Ray cluster: the import, the connection, and Ray's wrapped errors turned back into ours."""

from __future__ import annotations

import logging
import socket
from typing import Any

from affectlab.errors import AffectlabError, MissingExtra, ParameterError

__all__ = ["check_reachable", "connect", "library_error", "ray_module"]


def ray_module() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise MissingExtra("--backend ray needs Ray Data: pip install 'affectlab[ray]'.") from exc
    return ray


def connect(ray: Any, address: str | None) -> bool:
    """Connect to the Ray cluster; True when this call started (and so must stop) the connection."""
    if address and address not in ("auto", "local"):
        check_reachable(address)
    if ray.is_initialized():
        if address and address not in ("auto", "local"):
            current = ray.get_runtime_context().gcs_address
            if current.split("://")[-1] != address.split("://")[-1]:
                raise ParameterError(
                    f"This process is already connected to the Ray cluster at {current}; "
                    f"--ray-address {address!r} names another. Leave it out or call ray.shutdown() first."
                )
        return False
    try:
        ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise AffectlabError(f"Cannot connect to the Ray cluster at {address or 'RAY_ADDRESS'!r}: {exc}") from exc
    return True


def check_reachable(address: str) -> None:
    host, _, port = address.split("://")[-1].rpartition(":")
    if not host or not port.isdigit():
        raise ParameterError(f"--ray-address must be host:port, ray://host:port or auto. Got {address!r} instead.")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise AffectlabError(
            f"No Ray cluster answers at --ray-address {address!r} ({exc.strerror or exc}). Start one there with "
            "'ray start --head', or leave out --ray-address to run on a local Ray."
        ) from exc


def library_error(exc: BaseException) -> BaseException:
    """The affectlab error a Ray task raised (Ray wraps it), else the failure as an AffectlabError."""
    seen: set[int] = set()
    current: BaseException | None = exc
    root = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        root = current
        cause = getattr(current, "cause", None)
        if isinstance(cause, BaseException):
            current = cause
            continue
        if isinstance(current, AffectlabError) and type(current).__module__.startswith("affectlab"):
            return current
        current = current.__cause__ or current.__context__
    first = (str(root).strip().splitlines() or [""])[0]
    return AffectlabError(f"The Ray run failed: {type(root).__name__}: {first}")
