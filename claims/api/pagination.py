"""Pagination. Lists that a CMS polls use cursors: items added meanwhile are never skipped or repeated."""
import binascii
from base64 import b64decode
from urllib import parse

from django.utils.dateparse import parse_datetime
from rest_framework.pagination import Cursor, CursorPagination, PageNumberPagination

from claims.api.errors import FieldError


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

    def get_page_size(self, request):
        """DRF falls back to the default on a page size it cannot read; a typo deserves a 400 instead."""
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        if len(raw) != 1 or not raw[0].isascii() or not raw[0].isdigit() or int(raw[0]) < 1:
            raise FieldError(
                f"page_size must be one whole number from 1 to {self.max_page_size} (larger values are capped).",
                field="page_size",
                code="invalid",
            )
        return min(int(raw[0]), self.max_page_size)

    def decode_cursor(self, request):
        """DRF's decoding, stricter: only cursors shaped like ours pass, and the position must be a date-time.

        DRF accepts any base64 (garbage decodes to "first page") and hands the
        position to the database unchecked, where a non-date is a 500.
        """
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            querystring = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse.parse_qs(querystring, keep_blank_values=True, strict_parsing=True)
            if not tokens or set(tokens) - {"o", "r", "p"} or any(len(v) != 1 for v in tokens.values()):
                raise ValueError("not one of our cursors")
            offset = int(tokens.get("o", ["0"])[0])
            if not 0 <= offset <= self.offset_cutoff:
                raise ValueError("offset out of range")
            reverse = tokens.get("r", ["0"])[0]
            if reverse not in ("0", "1"):
                raise ValueError("bad direction")
            position = tokens.get("p", [None])[0]
            if position is not None and parse_datetime(position) is None:
                raise ValueError("bad position")
        except (TypeError, ValueError, UnicodeError, binascii.Error):
            raise FieldError(
                "This cursor is not one we issued. Follow the 'next' or 'previous' link exactly as returned.",
                field="cursor",
                code="invalid_cursor",
            ) from None
        return Cursor(offset=offset, reverse=reverse == "1", position=position)
