"""Staff model views (built in the staff back office issue)."""


def register_views(admin) -> None:
    pass
