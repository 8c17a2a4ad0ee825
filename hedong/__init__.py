"""The `hedong` command line: scriptable, stable JSON (shared CONTRACT.md)."""
