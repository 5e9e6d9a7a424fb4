"""Foundation: what every other area stands on.

Owns accounts and roles, the hash-chained audit log, backups and restore, the office and its signing key,
periods, the Chinese error type (`errors.UserError`), atomic file writing, time formatting, the current
user (`context`), logging, and the shared PDF/Excel plumbing (`pdf`, `xlsx`).

May import: `app.models` and the standard library / third-party packages. Never another service area.
"""
