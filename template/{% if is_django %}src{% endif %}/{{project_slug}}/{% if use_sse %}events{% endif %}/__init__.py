"""Server-sent events: each owner's stream of what happened to their items (GET /events).

An event is XADDed to the owner's Redis stream (trimmed to about EVENTS_STREAM_LENGTH
entries, for Last-Event-ID resumption) and PUBLISHed on the owner's channel for live
delivery. A subscriber listens first, then replays the stream after its last id, then
passes live events on, skipping any it already sent: no gap, no duplicate. With no
REDIS_URL an in-process hub does the same within one process (the embedded default).
"""
