"""The migration stack: its constructs and configuration, built on `foundation`."""
