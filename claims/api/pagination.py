"""Pagination. Lists that a CMS polls use cursors: items added meanwhile are never skipped or repeated."""
from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class UpdatedCursorPagination(CursorPagination):
    """Newest change first, by (updated_at, id): the id breaks ties so no item is skipped.

    A cursor that was tampered with or made up is refused with 400 ("Invalid cursor").
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-updated_at", "-id")

    def decode_cursor(self, request):
        from rest_framework.exceptions import NotFound

        from claims.api.errors import FieldError

        try:
            return super().decode_cursor(request)
        except NotFound:
            raise FieldError(
                "This cursor is not one we issued. Follow the 'next' or 'previous' link exactly as returned.",
                field="cursor",
                code="invalid_cursor",
            ) from None
