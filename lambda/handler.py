"""Cutover controller entry point."""

from __future__ import annotations


def handle(event, context):  # pragma: no cover - replaced by the controller
    if not isinstance(event, dict):
        raise ValueError("event must be a JSON object")
    return {"ok": True}
