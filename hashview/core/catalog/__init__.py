"""The catalog of one library folder: the SQLite database, the scan, incremental indexing, the decisions log."""
