"""The trace API's request and response models: what the OpenAPI schema promises.

Every constraint a request must meet is here, in the schema, so that a client
generating requests from ``/openapi.json`` (schemathesis) and the server
agree: integers are JSON integers (``4.0`` is accepted as 4, ``"4"``, ``true``,
``NaN``, ``Infinity`` and ``1e400`` are not), ids fit the 32-bit ``INTEGER``
of the schema, text fields hold at least one non-whitespace character and no
NUL (refused on both backends alike, although SQLite could store it), and
every error body, 4xx or 5xx, is ``{"detail": "<one line>"}`` (:class:`ErrorOut`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from tracetui.suites.trace.schema import TITLE_MAX

ItemType = Literal["requirement", "design", "test", "defect", "task"]
ItemStatus = Literal["open", "in_progress", "review", "done", "closed"]
LinkType = Literal["implements", "verifies", "depends_on", "relates_to"]

#: Ids are the schema's INTEGER (32-bit on PostgreSQL); beyond is a bad request, not a 500.
ID_MIN, ID_MAX = -(2**31), 2**31 - 1
#: The largest page offset (SQLite binds 64-bit integers only; nobody pages that far).
OFFSET_MAX = 2**31 - 1
#: Whitespace as the service's check sees it (``str.isspace``), spelled out: ``\s`` means
#: different sets to Python (``\x1c``-``\x1f`` and ``\x85`` in), ECMA (``\ufeff`` in) and
#: schemathesis (``re.ASCII``: only ``[ \t\n\r\f\v]``), so a client generating from the
#: schema sent ``"\x1c"`` as a valid name and got 422.
WHITESPACE_CLASS = r"\x09-\x0d\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: At least one character that is neither whitespace nor NUL, and no NUL anywhere.
TEXT_PATTERN = rf"^[^\x00]*[^\x00{WHITESPACE_CLASS}][^\x00]*$"


def _integral(value: object) -> object:
    """``4.0`` is a JSON integer to JSON Schema: take it as 4 (NaN/inf/4.5 stay floats)."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


# The bounds sit inside the before-validator, so the schema says minimum/maximum.
Id = Annotated[int, Field(strict=True, ge=ID_MIN, le=ID_MAX), BeforeValidator(_integral)]
Priority = Annotated[int, Field(strict=True, ge=1, le=5), BeforeValidator(_integral)]
Text = Annotated[str, Field(min_length=1, max_length=TITLE_MAX, pattern=TEXT_PATTERN)]


class _Strict(BaseModel):
    # python-re: patterns read as in the Python clients that generate from the schema.
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


class ErrorOut(BaseModel):
    """Every error response: one line, never an echo of a large input."""

    detail: str


class ProjectIn(_Strict):
    name: Text


class ProjectOut(BaseModel):
    id: int
    name: str


class ProjectList(BaseModel):
    projects: list[ProjectOut]


class ItemIn(_Strict):
    project_id: Id
    type: ItemType
    title: Text
    status: ItemStatus = "open"
    priority: Priority = 3


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


#: Absent means "unchanged"; ``null`` is not in the schema (the columns are required).
_Unset: Any = Field(default=None, json_schema_extra=_no_default)


class ItemPatch(_Strict):
    """Any of the fields; an explicit ``null`` is refused by the schema itself."""

    type: ItemType = _Unset
    title: Text = _Unset
    status: ItemStatus = _Unset
    priority: Priority = _Unset


class ItemOut(BaseModel):
    id: int
    project_id: int
    type: str
    title: str
    status: str
    priority: int
    created_at: str | None
    updated_at: str | None


class ItemPage(BaseModel):
    items: list[ItemOut]
    total: int
    limit: int
    offset: int


class Counts(BaseModel):
    by_status: dict[str, int]
    by_type: dict[str, dict[str, int]]


class LinkIn(_Strict):
    source_id: Id
    target_id: Id
    link_type: LinkType


class LinkOut(BaseModel):
    id: int
    source_id: int
    target_id: int
    link_type: str


class ItemLinks(BaseModel):
    outgoing: list[LinkOut]
    incoming: list[LinkOut]


class Trace(BaseModel):
    item_id: int
    downstream: list[int]
    #: True when the walk stopped at its row or time budget (``downstream`` is partial).
    truncated: bool = False


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for error codes, all with :class:`ErrorOut` bodies."""
    descriptions = {
        400: "A body that is not UTF-8 JSON",
        401: "Missing or wrong API token",
        404: "Unknown id",
        409: "Duplicate or conflicting data",
        413: "Request body too large",
        422: "Invalid request (one line saying which field and why)",
        503: "Database unavailable or busy",
    }
    return {code: {"model": ErrorOut, "description": descriptions[code]} for code in codes}
