"""The PySide6 user interface: models, views, dialogs. Only this package and
``desktop.app`` import Qt."""
