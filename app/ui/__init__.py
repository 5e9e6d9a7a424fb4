"""PySide6 views, table models, dialogs and workers. Calls services; holds no rules."""
