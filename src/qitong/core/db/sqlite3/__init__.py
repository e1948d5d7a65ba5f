"""Django's SQLite backend with writers queued on a lock file (see base)."""
