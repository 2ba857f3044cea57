"""Streams: topic admin, the outbox relay, the warehouse sink with its marts, partner webhooks.

outbox (store) -> `relay` -> topics -> `sink` -> stream_events -> marts (ClickHouse)
                                     -> `webhooks` -> partner URLs (signed, retried, dead-lettered)
"""
