"""The provider web panel: FastAPI routers, Jinja2 templates and static files."""
