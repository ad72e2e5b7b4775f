"""The fence: which roles may write on which database, decided in the database itself."""
