"""Compliance rules applied at synth time; see RULES.md for the list."""
