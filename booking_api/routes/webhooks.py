"""Partner webhooks for booking events (registrations and parked deliveries; core/webhooks.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from booking_api.answers import DeadDeliveries, Replayed, WebhookCreated, Webhooks
from booking_api.deps import BookKey, ServicesDep
from booking_api.problems import AUTHED, Problem, documented, field_problem
from core import webhooks

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000)
    event_types: list[str] | None = Field(default=None, description="booking event types; all when omitted")


class Replay(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delivery_ids: list[Annotated[str, Field(min_length=1, max_length=128)]] | None = Field(
        default=None, max_length=1000
    )


@router.post("", status_code=201, response_model=WebhookCreated, responses=documented(400, *AUTHED, 422))
async def register(body: WebhookCreate, services: ServicesDep, key: BookKey) -> dict[str, Any]:
    """Register a URL for booking events; the signing secret is shown once, here."""
    try:
        reg = await services.tx(
            lambda tr: webhooks.register_webhook(tr, key.partner_id, body.url, body.event_types)
        )
    except webhooks.WebhookError as exc:
        field = "url" if "url" in str(exc) else "event_types"
        raise field_problem(422, "validation", "Request is not valid", field, str(exc)) from None
    return {**reg.public(), "secret": reg.secret}


@router.get("", response_model=Webhooks, responses=documented(*AUTHED))
async def listing(services: ServicesDep, key: BookKey) -> dict[str, Any]:
    """The partner's registrations (without their secrets)."""
    regs = await services.read(lambda tr: webhooks.list_webhooks(tr, key.partner_id))
    return {"webhooks": [r.public() for r in regs]}


@router.delete("/{webhook_id}", status_code=204, responses=documented(*AUTHED, 404, 422))
async def delete(webhook_id: str, services: ServicesDep, key: BookKey) -> None:
    """Stop deliveries to a registration."""
    if not await services.tx(lambda tr: webhooks.delete_webhook(tr, key.partner_id, webhook_id)):
        raise Problem(404, "not-found", "Not found", f"no webhook {webhook_id}")


@router.get("/dead", response_model=DeadDeliveries, responses=documented(*AUTHED))
async def dead(services: ServicesDep, key: BookKey) -> dict[str, Any]:
    """Deliveries parked after their retry window, with the last error."""
    parked = await services.read(lambda tr: webhooks.dead_deliveries(tr, key.partner_id))
    return {
        "deliveries": [
            {"delivery_id": d.delivery_id, "event_id": d.event_id, "event_type": d.event_type,
             "attempts": d.attempts, "last_error": d.last_error}
            for d in parked
        ]
    }  # fmt: skip


@router.post("/dead/replay", response_model=Replayed, responses=documented(400, *AUTHED, 404, 422))
async def replay(body: Replay, services: ServicesDep, key: BookKey) -> dict[str, int]:
    """Queue parked deliveries again (all of them when `delivery_ids` is omitted). A named delivery
    that is not parked for this partner is a 404 naming it, and nothing is replayed."""
    try:
        count = await services.tx(lambda tr: webhooks.replay_dead(tr, key.partner_id, body.delivery_ids))
    except webhooks.NotParked as exc:
        raise field_problem(404, "not-found", "Not found", "delivery_ids", str(exc)) from None
    return {"replayed": count}
