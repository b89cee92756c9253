"""Routers of the panel, one module per page group; each is built from a PanelContext."""
