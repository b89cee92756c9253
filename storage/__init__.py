"""Persistence: SQLModel tables, repositories and the unit of work implementing domain ports.

The only package that imports SQLAlchemy/SQLModel.
"""
