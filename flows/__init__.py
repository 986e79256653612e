"""Channel-agnostic conversations: neutral message types and pure flow steps (no I/O)."""
