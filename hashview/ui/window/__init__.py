"""The main window and its menus: the composition root of the desktop app."""
