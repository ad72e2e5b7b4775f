"""The operator console: the cutover driven and read from a terminal, as the runbook tells it."""
