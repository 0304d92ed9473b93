"""Reads ``GET /jobs/{id}/results?shape=compact`` as it streams, handing out values before the last has come.

The compact shape is ``{"jobId","offset","values":[...],"failed":[...],"cancelled":[...],"unfinished":[...]}``.
``values[i]`` is item offset+i's result, or null for an item without one; which of the nulls failed,
were cancelled or had not ended is only said after the array, so a null holds back what follows it
until the end of the response.
"""

import json

_VALUES = b'"values":['
_READ = 1 << 20
_decode = json.JSONDecoder().raw_decode
_END = b'],"failed":['


class CompactPage:
    """One response: ``values()`` yields ``(index, value)`` batches; after them, ``failed``/``cancelled``/``unfinished``."""

    def __init__(self, response):
        self._response = response
        self.offset = 0
        self.failed = {}
        self.cancelled = set()
        self.unfinished = set()

    def _read(self):
        return self._response.read1(_READ)

    def batches(self):
        """Yields lists of values in item order, as the bytes arrive; sets the tail lists once the array ends."""
        buffer = b""
        while True:
            start = buffer.find(_VALUES)
            if start >= 0:
                break
            more = self._read()
            if not more:
                raise ValueError("the results response ended before its values")
            buffer += more
        head = json.loads(buffer[:start].rstrip(b",") + b"}")
        self.offset = head.get("offset", 0)
        buffer = buffer[start + len(_VALUES):]
        ended = False
        while True:
            values, buffer, ended = _split(buffer)
            if values:
                yield values
            if ended:
                break
            more = self._read()
            if not more:
                raise ValueError("the results response ended inside its values")
            buffer += more
        # The rest is ',"failed":[...],"cancelled":[...],"unfinished":[...]}'.
        rest = [buffer]
        while True:
            more = self._read()
            if not more:
                break
            rest.append(more)
        tail = json.loads(b"{" + b"".join(rest).lstrip(b" ,"))
        self.failed = {f["index"]: f for f in tail.get("failed", [])}
        self.cancelled = set(tail.get("cancelled", []))
        self.unfinished = set(tail.get("unfinished", []))


def _split(buffer):
    """Parses the complete values at the start of ``buffer``: ``(values, rest, array_ended)``.

    Fast path: everything up to the last comma, as one array, in one C call. A comma inside a string
    or a nested value leaves an unclosed string or bracket, so that parse fails and the slow path
    (one value at a time) takes over; it also finds the array's closing bracket.
    """
    end = buffer.find(_END)
    if end >= 0:
        try:
            return json.loads(b"[" + buffer[:end] + b"]"), buffer[end + 1:], True
        except ValueError:
            pass
    else:
        cut = buffer.rfind(b",")
        if cut > 0:
            try:
                return json.loads(b"[" + buffer[:cut] + b"]"), buffer[cut + 1:], False
            except ValueError:
                pass
    return _split_slowly(buffer)


def _split_slowly(buffer):
    try:
        text, leftover = buffer.decode("utf-8"), b""
    except UnicodeDecodeError as error:
        # The buffer ends inside a multi-byte character: keep its first bytes for the next read.
        text, leftover = buffer[:error.start].decode("utf-8"), buffer[error.start:]
    values = []
    position = 0
    length = len(text)
    while True:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position >= length:
            return values, leftover, False
        if text[position] == "]":
            return values, text[position + 1:].encode("utf-8") + leftover, True
        try:
            value, end = _decode(text, position)
        except ValueError:
            return values, text[position:].encode("utf-8") + leftover, False
        after = end
        while after < length and text[after] in " \t\r\n":
            after += 1
        if after >= length:
            # A number at the very end may be cut short ("12" of "123"): wait for what follows it.
            return values, text[position:].encode("utf-8") + leftover, False
        values.append(value)
        position = after + 1 if text[after] == "," else after
