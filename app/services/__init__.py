"""The whole domain, Qt-free. Services take a sessionmaker (or Session) and never import PySide6."""
