"""The guest front end (the design's edge layer): server-rendered pages over the booking API.

A client of the booking API over HTTP only (it never imports `booking_api`); it reads the catalog
load pointer and the list of hotels on sale from the store through `core`, for its page cache and
sitemaps. Served by `ibe web`; `create_app` is in `web/app.py`.
"""
