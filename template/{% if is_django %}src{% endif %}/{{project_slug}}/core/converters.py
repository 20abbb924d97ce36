"""Path converters: ids bounded to their column, so a huge one is a 404, never a 500."""

from django.urls import register_converter

# BigAutoField: a signed 64-bit integer; ids start at 1.
MAX_BIGINT = 2**63 - 1
# How the OpenAPI schema describes an `<id:...>` path parameter (SPECTACULAR_SETTINGS).
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_BIGINT}


class IdConverter:
    """`<id:name>`: a positive integer that fits a BigAutoField."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        """Return the id; ValueError (no such path: 404) when out of the column's range."""
        number = int(value)
        if not 1 <= number <= MAX_BIGINT:
            msg = f"id {value} is out of range"
            raise ValueError(msg)
        return number

    def to_url(self, value: int) -> str:
        """Return the id as the path writes it."""
        return str(value)


# The converter's name in paths: `<id:item_id>`.
ID = "id"
register_converter(IdConverter, ID)
