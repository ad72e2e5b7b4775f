"""What both functions share: the migrated objects' SQL and the sequence sync over any way of running a statement."""
