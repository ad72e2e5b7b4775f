"""How an AWS error reads in a reply or a notice."""

from __future__ import annotations


def describe(error: Exception) -> str:
    """An AWS error with its code and HTTP status (an authorization failure reads as one)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return str(error)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return f"{response.get('Error', {}).get('Code') or 'error'} (HTTP {status}): {error}"
