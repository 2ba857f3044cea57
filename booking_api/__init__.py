"""The booking API (FastAPI, `ibe api`) and its sagas (Temporal, `ibe worker`).

What happens to one booking, in the order the code runs:

1. `routes/bookings.py` `POST /v1/bookings` validates the body (`schemas.py`), then in ONE store
   transaction (core/booking/records.py) checks the `Idempotency-Key`, takes the managed inventory
   hold for every night (core/booking/inventory.py, all or nothing, or 409 sold out), stores the
   booking record and the user index, and writes `booking.created` and `user.activity` to the outbox.
2. It starts `BookingSaga` (temporal/workflows.py) with workflow id `booking-<id>`, and answers 202.
3. The worker runs the saga's activities (temporal/activities.py, payment_steps.py): hold, supplier
   prebook, booking form (every partner_order_id recorded first), authorize, finish, status polling,
   capture, confirm; on a final failure the compensations run in reverse.
4. `GET /v1/bookings/{id}` reads the record (state, price with taxes due at the hotel apart, supplier
   order, payment, history); `?live=true` adds the saga's live step (a workflow query).

Around it: API keys and scopes (`auth.py`), the per-key token bucket in Redis (`ratelimit.py`),
RFC 9457 problem details (`problems.py`), the search-page cache (`cache.py`), and the clients the
lifespan opens onto `app.state.services` (`services.py`).
"""
